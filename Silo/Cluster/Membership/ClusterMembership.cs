using System.Diagnostics;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Cluster.Membership;

/// <summary>
/// This node's membership: it joins the table (Joining → Active), heartbeats every
/// <see cref="ClusterOptions.HeartbeatInterval"/>, declares silent members dead, and keeps a local view refreshed
/// from the table on every heartbeat and on every change notification. A node that finds itself declared dead
/// drops all its activations at once and rejoins as a new generation.
/// </summary>
internal sealed partial class ClusterMembership(
    MembershipTable table,
    Catalog catalog,
    SiloStatistics statistics,
    IOptions<ClusterOptions> options,
    ILogger<ClusterMembership> logger)
{
    private readonly ClusterOptions _options = options.Value;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LoadSampler _load = new();
    private MembershipView _view = MembershipView.Empty;
    private long _viewNumber;
    private long _lastHeartbeatTimestamp;
    private int _port;

    public SiloAddress Self { get; private set; } = new("unstarted", 0, 0);

    public MembershipView View => Volatile.Read(ref _view);

    /// <summary>Completes once the node has joined and read its first view.</summary>
    public Task Ready => _ready.Task;

    /// <summary>False while this node has not been able to heartbeat for <see cref="ClusterOptions.DeadAfter"/>: others may have declared it dead.</summary>
    public bool IsConnected => SinceLastHeartbeat < _options.DeadAfter;

    /// <summary>How long ago this node last stamped its row in the table (or joined).</summary>
    public TimeSpan SinceLastHeartbeat => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastHeartbeatTimestamp));

    public event Action<MembershipView>? ViewChanged;

    public async Task JoinAsync(int port, CancellationToken cancellationToken)
    {
        _port = port;
        Self = NewIncarnation();
        await table.InsertAsync(Self, _options.HostsGrains, _options.Role, cancellationToken).ConfigureAwait(false);
        await table.SetStatusAsync(Self, SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastHeartbeatTimestamp, Stopwatch.GetTimestamp());
        LogJoined(logger, Self.ToString(), _options.Name, _options.HostsGrains);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _ready.TrySetResult();
    }

    /// <summary>One heartbeat: stamp our row, declare the silent dead, refresh the view; rejoin if we were declared dead.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var load = _load.Sample(catalog, statistics);
        if (await table.HeartbeatAsync(Self, load, cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _lastHeartbeatTimestamp, Stopwatch.GetTimestamp());
        }
        else
        {
            await RejoinAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var dead in await table.DeclareSilentDeadAsync(_options.DeadAfter, cancellationToken).ConfigureAwait(false))
        {
            LogDeclaredDead(logger, dead.ToString(), _options.DeadAfter);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the table and publishes a new view when anything but heartbeats changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var members = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var previous = View;
            var changed = previous.Members.Count != members.Count
                || previous.Members.Zip(members).Any(pair => pair.First.Silo != pair.Second.Silo || pair.First.Status != pair.Second.Status);
            var view = new MembershipView(changed ? ++_viewNumber : previous.Number, members);
            Volatile.Write(ref _view, view);
            if (changed)
            {
                LogViewChanged(logger, view.Number, string.Join(", ", members.Where(m => m.Status != SiloStatus.Dead).Select(m => $"{m.Silo} {m.Status}")));
                ViewChanged?.Invoke(view);
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Leaves gracefully: ShuttingDown first (others stop routing here), Dead once the activations are gone.</summary>
    public Task AnnounceShutdownAsync(CancellationToken cancellationToken) => table.SetStatusAsync(Self, SiloStatus.ShuttingDown, cancellationToken);

    public Task LeaveAsync(CancellationToken cancellationToken) => table.SetStatusAsync(Self, SiloStatus.Dead, cancellationToken);

    /// <summary>We were declared dead: another silo may already own our grains, so drop every activation now and come back as a new silo.</summary>
    private async Task RejoinAsync(CancellationToken cancellationToken)
    {
        var old = Self;
        LogFoundDead(logger, old.ToString());
        catalog.DeactivateAllNow(new Runtime.DeactivationReason(Runtime.DeactivationReasonCode.PlacementChanged, $"Silo {old} was declared dead"));
        Self = NewIncarnation();
        await table.InsertAsync(Self, _options.HostsGrains, _options.Role, cancellationToken).ConfigureAwait(false);
        await table.SetStatusAsync(Self, SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastHeartbeatTimestamp, Stopwatch.GetTimestamp());
        LogJoined(logger, Self.ToString(), _options.Name, _options.HostsGrains);
    }

    private SiloAddress NewIncarnation() =>
        new(_options.AdvertisedAddress, _port, Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Self.Generation + 1));

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} joined cluster {Cluster} (hosts grains: {HostsGrains})")]
    private static partial void LogJoined(ILogger logger, string silo, string cluster, bool hostsGrains);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared silo {Silo} dead: no heartbeat for {DeadAfter}")]
    private static partial void LogDeclaredDead(ILogger logger, string silo, TimeSpan deadAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo ({Silo}) was declared dead by the cluster; dropping its activations and rejoining")]
    private static partial void LogFoundDead(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership view {Number}: {Members}")]
    private static partial void LogViewChanged(ILogger logger, long number, string members);

    /// <summary>CPU and call rate since the previous heartbeat.</summary>
    private sealed class LoadSampler
    {
        private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
        private long _lastTimestamp = Stopwatch.GetTimestamp();
        private long _lastCalls;

        public SiloLoad Sample(Catalog catalog, SiloStatistics statistics)
        {
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var elapsed = Stopwatch.GetElapsedTime(_lastTimestamp);
            var calls = statistics.TotalCalls;
            var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
            var load = new SiloLoad(
                Math.Round((cpu - _lastCpu).TotalSeconds / seconds / Environment.ProcessorCount * 100, 1),
                process.WorkingSet64,
                catalog.Count,
                calls,
                Math.Round((calls - _lastCalls) / seconds, 1),
                statistics.ActivationsByType());
            _lastCpu = cpu;
            _lastTimestamp = Stopwatch.GetTimestamp();
            _lastCalls = calls;
            return load;
        }
    }
}
