using System.Diagnostics;

namespace GrainChat.Gateway.Operators;

/// <summary>Process CPU as a percentage of the whole machine, measured between successive readings.</summary>
internal sealed class ProcessHealth
{
    private readonly object _lock = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastTimestamp = Stopwatch.GetTimestamp();
    private double _lastPercent;

    public double CpuPercent()
    {
        lock (_lock)
        {
            var elapsed = Stopwatch.GetElapsedTime(_lastTimestamp);
            if (elapsed < TimeSpan.FromMilliseconds(250))
            {
                return _lastPercent;
            }

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            _lastPercent = Math.Round(100 * (cpu - _lastCpu).TotalMilliseconds / (elapsed.TotalMilliseconds * Environment.ProcessorCount), 1);
            _lastCpu = cpu;
            _lastTimestamp = Stopwatch.GetTimestamp();
            return _lastPercent;
        }
    }
}
