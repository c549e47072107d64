using System.Diagnostics;

namespace GrainChat.Tests.Infrastructure;

/// <summary>The Gateway as a separate operating-system process, for tests that kill it.</summary>
public sealed class GatewayProcess : IAsyncDisposable, IGatewayEndpoint
{
    private const int OutputLinesKept = 200;

    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private GatewayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public Uri ServerAddress => Address;

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public int ProcessId => _process.Id;

    public HttpClient CreateClient() => new() { BaseAddress = Address };

    /// <summary>Starts a Gateway on SQLite in <paramref name="dataDirectory"/>; <paramref name="settings"/> override any default.</summary>
    public static async Task<GatewayProcess> StartAsync(string dataDirectory, int? port = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var listenPort = port ?? FreePorts.Next();
        var address = new Uri($"http://127.0.0.1:{listenPort}/");
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "GrainChat.Gateway.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        foreach (var argument in new[]
        {
            gatewayDll,
            "--urls", address.ToString().TrimEnd('/'),
            "--contentRoot", dataDirectory,
            "--webroot", WebRoot,
            "--ConnectionStrings:GrainChat", $"Data Source={Path.Combine(dataDirectory, "grainchat.db")}",
            "--GrainChat:DataProtection:KeysDirectory", Path.Combine(dataDirectory, "keys"),
            "--GrainChat:RateLimit:MessagesPerSecond", "100000",
            "--GrainChat:RateLimit:Burst", "100000",
            "--Logging:LogLevel:Default", "Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the Gateway.");
        var gateway = new GatewayProcess(process, address);
        process.OutputDataReceived += (_, line) => gateway.Remember(line.Data);
        process.ErrorDataReceived += (_, line) => gateway.Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(() => process.HasExited || IsAlive(http), TimeSpan.FromSeconds(60), "The Gateway process did not come up.");
        Assert.False(process.HasExited, $"The Gateway process exited at start:\n{gateway.Output}");
        return gateway;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops a service: the host shuts down gracefully, then the process exits.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    /// <summary>The Gateway project's wwwroot (the web client and dashboard assets), found above the test binaries.</summary>
    private static string WebRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "Gateway", "wwwroot");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("Gateway/wwwroot was not found above the test binaries.");
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLinesKept && _output.TryDequeue(out _))
        {
        }
    }

    private static bool IsAlive(HttpClient http)
    {
        try
        {
            return http.GetAsync("/alive").Result.IsSuccessStatusCode;
        }
        catch (AggregateException)
        {
            return false;
        }
    }
}
