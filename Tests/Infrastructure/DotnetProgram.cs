using System.Collections.Concurrent;
using System.Diagnostics;

namespace GrainChat.Tests.Infrastructure;

/// <summary>One of the solution's programs (GrainChat.Silo.dll, GrainChat.Gateway.dll) run as a process from the test binaries; stopped by its id.</summary>
public sealed class DotnetProgram : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DotnetProgram(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    public static DotnetProgram Start(string assembly, IReadOnlyDictionary<string, string> settings, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        var program = new DotnetProgram(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}."));
        program._process.OutputDataReceived += (_, line) => program.Remember(line.Data);
        program._process.ErrorDataReceived += (_, line) => program.Remember(line.Data);
        program._process.BeginOutputReadLine();
        program._process.BeginErrorReadLine();
        return program;
    }

    public Task WaitForExitAsync(TimeSpan limit) => _process.WaitForExitAsync().WaitAsync(limit);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
