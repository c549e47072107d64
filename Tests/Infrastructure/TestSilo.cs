using GrainChat.Runtime;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// An in-process silo for tests (the role of Orleans' TestingHost <c>TestCluster</c>): the real runtime with the
/// chosen storage, the test grains registered, restartable on the same storage.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;
    private IHost? _host;

    private TestSilo(Dictionary<string, string?> settings, Action<IServiceCollection>? configureServices)
    {
        _settings = settings;
        _configureServices = configureServices;
    }

    public IServiceProvider Services => Host.Services;

    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    private IHost Host => _host ?? throw new InvalidOperationException("The test silo is not running.");

    public static Task<TestSilo> StartMemoryAsync(Action<Dictionary<string, string?>>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(StorageProvider.Memory, connectionString: null, settings, services);

    public static Task<TestSilo> StartSqliteAsync(string databaseFile, Action<Dictionary<string, string?>>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(StorageProvider.Sqlite, $"Data Source={databaseFile}", settings, services);

    public static Task<TestSilo> StartPostgresAsync(string connectionString, Action<Dictionary<string, string?>>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(StorageProvider.Postgres, connectionString, settings, services);

    public static async Task<TestSilo> StartAsync(
        StorageProvider provider,
        string? connectionString,
        Action<Dictionary<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["GrainChat:Storage:Provider"] = provider.ToString(),
            ["ConnectionStrings:GrainChat"] = connectionString,
        };
        settings?.Invoke(values);
        var silo = new TestSilo(values, services);
        await silo.StartAsync();
        return silo;
    }

    /// <summary>Stops the silo gracefully (every activation deactivates) and starts a fresh one on the same storage.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async Task StopAsync()
    {
        if (_host is null)
        {
            return;
        }

        await _host.StopAsync();
        await ((IAsyncDisposable)_host).DisposeAsync();
        _host = null;
    }

    /// <summary>
    /// Stops the silo as a host whose shutdown timeout runs out does: the stop gives up on what is still running and
    /// the services are disposed under it.
    /// </summary>
    public async Task StopAbandoningWorkAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        catch (OperationCanceledException)
        {
        }

        await ((IAsyncDisposable)Host).DisposeAsync();
        _host = null;
    }

    /// <summary>Ends the silo as a crash would: no graceful stop, no deactivation, its sockets closed, its membership row left behind.</summary>
    public async Task CrashAsync()
    {
        if (_host is null)
        {
            return;
        }

        await ((IAsyncDisposable)_host).DisposeAsync();
        _host = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartAsync()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Services.AddLogging();
        builder.Services.AddGrainChatSilo(builder.Configuration, typeof(TestSilo).Assembly);
        _configureServices?.Invoke(builder.Services);
        builder.Services.TryAddSingleton<SharedCounter>();
        builder.Services.TryAddSingleton<LifecycleLog>();
        builder.Services.TryAddSingleton<ScheduledTurnLog>();
        _host = builder.Build();
        await _host.StartAsync();
    }
}
