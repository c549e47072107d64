using System.Diagnostics;
using System.Globalization;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// Debian's nginx as a reverse proxy in front of Gateway nodes, with the configuration the README gives (WebSocket
/// upgrade, forwarded headers, failover to the next node), run from a temporary prefix and stopped by its process id.
/// </summary>
public sealed class NginxProxy : IGatewayEndpoint, IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";
    public const string MissingReason = "nginx is not installed at /usr/sbin/nginx (apt-get install nginx); under GRAINCHAT_REQUIRE_INTEGRATION=1 this is a failure.";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private NginxProxy(Process process, DirectoryInfo directory, Uri address)
    {
        _process = process;
        _directory = directory;
        ServerAddress = address;
    }

    public Uri ServerAddress { get; }

    public HttpClient CreateClient() => new() { BaseAddress = ServerAddress };

    public static async Task<NginxProxy> StartAsync(IEnumerable<IGatewayEndpoint> nodes)
    {
        var directory = Directory.CreateTempSubdirectory("grainchat-nginx-");
        var port = FreePorts.Next();
        var servers = string.Join("\n", nodes.Select(n => $"        server {n.ServerAddress.Host}:{n.ServerAddress.Port} max_fails=1 fail_timeout=10s;"));
        var configuration = Path.Combine(directory.FullName, "nginx.conf");
        await File.WriteAllTextAsync(configuration, string.Format(CultureInfo.InvariantCulture, Template, directory.FullName, servers, port));
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false };
        foreach (var argument in new[] { "-p", directory.FullName, "-c", configuration })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var proxy = new NginxProxy(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        using var http = proxy.CreateClient();
        await Eventually.TrueAsync(() => process.HasExited || Answers(http), TimeSpan.FromSeconds(20), "nginx did not come up");
        Assert.False(process.HasExited, $"nginx exited: {File.ReadAllText(Path.Combine(directory.FullName, "error.log"))}");
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The master process, by its id, with its workers (its child processes).
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static bool Answers(HttpClient http)
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


    // The README's configuration, with the paths of a throwaway prefix. {0} prefix, {1} upstream servers, {2} port.
    private const string Template = """
        daemon off;
        master_process on;
        worker_processes 1;
        pid {0}/nginx.pid;
        error_log {0}/error.log warn;
        events {{ worker_connections 4096; }}
        http {{
            access_log off;
            client_body_temp_path {0}/body;
            proxy_temp_path {0}/proxy;
            fastcgi_temp_path {0}/fastcgi;
            uwsgi_temp_path {0}/uwsgi;
            scgi_temp_path {0}/scgi;
            map $http_upgrade $connection_upgrade {{
                default upgrade;
                ''      close;
            }}
            upstream grainchat {{
        {1}
            }}
            server {{
                listen 127.0.0.1:{2};
                location / {{
                    proxy_pass http://grainchat;
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_read_timeout 1h;
                    proxy_next_upstream error timeout http_502;
                }}
            }}
        }}
        """;
}

/// <summary>A fact that needs Debian's nginx; skipped, with the reason shown, when it is absent (unless required).</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute()
    {
        if (!Integration.Required && (!File.Exists(NginxProxy.Binary) || PostgresServer.FindBinaries() is null))
        {
            Skip = File.Exists(NginxProxy.Binary) ? PostgresServer.MissingReason : NginxProxy.MissingReason;
        }
    }
}
