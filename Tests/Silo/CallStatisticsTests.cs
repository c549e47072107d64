using System.Diagnostics.Metrics;
using GrainChat.Silo.Telemetry;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Silo;

public sealed class CallStatisticsTests
{
    [Fact]
    public async Task Every_call_of_a_quiet_method_is_timed()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("quiet");

        for (var i = 0; i < 200; i++)
        {
            await grain.PingAsync();
        }

        var ping = PingStatistics(silo);
        Assert.Equal((200, 200), (ping.Calls, ping.TimedCalls));
        Assert.True(ping.MeanMilliseconds > 0);
    }

    [Fact]
    public async Task A_busy_method_counts_every_call_and_times_one_in_sixteen_once_its_window_is_full()
    {
        const int Calls = 50_000;
        await using var silo = await TestSilo.StartMemoryAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("busy");

        for (var i = 0; i < Calls; i++)
        {
            await grain.PingAsync();
        }

        var ping = PingStatistics(silo);
        Assert.Equal(Calls, ping.Calls);
        Assert.InRange(ping.TimedCalls, (Calls / MethodStatistics.TimedEvery) - 64, (Calls / MethodStatistics.TimedEvery) + (2 * MethodStatistics.WindowSize));
    }

    [Fact]
    public async Task Every_call_is_timed_while_the_call_duration_histogram_has_a_listener()
    {
        const int Calls = 5_000;
        await using var silo = await TestSilo.StartMemoryAsync();
        var siloMeter = silo.Services.GetRequiredService<SiloMetrics>().Meter;
        var durations = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == siloMeter && instrument.Name == "grainchat.silo.grain_call_duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref durations));
        listener.Start();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("listened");

        for (var i = 0; i < Calls; i++)
        {
            await grain.PingAsync();
        }

        var ping = PingStatistics(silo);
        Assert.Equal((Calls, Calls), (ping.Calls, ping.TimedCalls));
        Assert.Equal(Calls, Volatile.Read(ref durations));
    }

    private static MethodStatisticsSnapshot PingStatistics(TestSilo silo) =>
        Assert.Single(silo.Services.GetRequiredService<SiloStatistics>().Methods(), m => m is { GrainType: "lifecycle", Method: "PingAsync" });
}
