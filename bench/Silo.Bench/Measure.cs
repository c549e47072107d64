using System.Diagnostics;
using System.Globalization;

namespace GrainChat.Bench;

/// <summary>Runs a closed loop of concurrent workers for a fixed time and reports operations per second.</summary>
public static class Measure
{
    public static async Task<Result> RunAsync(string name, int workers, Func<int, long, Task> operation, TimeSpan warmUp, TimeSpan duration, int runs)
    {
        await LoopAsync(workers, operation, warmUp);
        var rates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            GC.Collect();
            rates.Add(await LoopAsync(workers, operation, duration));
        }

        rates.Sort();
        return new Result(name, rates[rates.Count / 2], rates[0], rates[^1]);
    }

    private static async Task<double> LoopAsync(int workers, Func<int, long, Task> operation, TimeSpan duration)
    {
        long total = 0;
        var stopwatch = Stopwatch.StartNew();
        var until = duration;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            long count = 0;
            while (stopwatch.Elapsed < until)
            {
                // Check the clock every 64 operations, so that reading it does not dominate.
                for (var i = 0; i < 64; i++)
                {
                    await operation(worker, count++);
                }
            }

            Interlocked.Add(ref total, count);
        })));
        return total / stopwatch.Elapsed.TotalSeconds;
    }

    public sealed record Result(string Name, double Median, double Min, double Max)
    {
        /// <summary>The rates of an operation that does <paramref name="items"/> things at once, per thing.</summary>
        public Result Times(int items) => this with { Median = Median * items, Min = Min * items, Max = Max * items };

        public string Row(double? floor) => string.Create(CultureInfo.InvariantCulture,
            $"| {Name} | {Median:N0} | {Min:N0}–{Max:N0} | {(floor is { } f ? (f / Median).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "floor")} |");
    }
}
