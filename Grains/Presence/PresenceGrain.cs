using GrainChat.Chat;
using GrainChat.Presence;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Storage;
using Microsoft.Extensions.Options;

namespace GrainChat.Grains.Presence;

/// <summary>
/// One user's presence (key: the user key). It counts the user's hub connections across devices: the first
/// makes the user online, and the user goes offline a grace period after the last one closes, or at once when
/// logout ends the session the last ones belonged to. Each change is told to <see cref="IOnlineUsersGrain"/> and
/// to the user's rooms; going offline records when the user was last seen. Held in memory, and kept activated
/// while the user is connected.
/// </summary>
public sealed class PresenceGrain(IUserDirectory directory, IOptions<PresenceOptions> options, TimeProvider time) : Grain, IPresenceGrain
{
    // Connection id → the login session it was opened under.
    private readonly Dictionary<string, string> _connections = new(StringComparer.Ordinal);
    private IGrainTimer? _offlineTimer;
    private bool _online;
    private DateTimeOffset? _lastSeen;
    private string? _username;

    public async Task ConnectedAsync(string connectionId, string sessionId)
    {
        var profile = await RequireProfileAsync();
        _connections[connectionId] = sessionId;
        DelayDeactivation(TimeSpan.MaxValue);
        StopOfflineTimer();
        if (!_online)
        {
            _online = true;
            await AnnounceAsync(profile);
        }
    }

    public Task DisconnectedAsync(string connectionId)
    {
        if (_connections.Remove(connectionId) && _connections.Count == 0 && _online)
        {
            StopOfflineTimer();
            _offlineTimer = RegisterGrainTimer(_ => GoOfflineIfStillDisconnectedAsync(), options.Value.GracePeriod, Timeout.InfiniteTimeSpan);
        }

        return Task.CompletedTask;
    }

    public async Task SessionEndedAsync(string sessionId)
    {
        foreach (var connection in _connections.Where(c => string.Equals(c.Value, sessionId, StringComparison.Ordinal)).Select(c => c.Key).ToArray())
        {
            _connections.Remove(connection);
        }

        await GoOfflineIfStillDisconnectedAsync();
    }

    public Task<UserPresence> GetAsync() =>
        Task.FromResult(new UserPresence(_username ?? GrainKey, _online, _lastSeen, _connections.Count));

    private async Task GoOfflineIfStillDisconnectedAsync()
    {
        if (_connections.Count > 0 || !_online)
        {
            return;
        }

        StopOfflineTimer();
        _online = false;
        _lastSeen = UnixTime.Now(time);
        DelayDeactivation(TimeSpan.Zero);
        var profile = await RequireProfileAsync();
        await directory.SetLastSeenAsync(profile.Username, _lastSeen.Value);
        await AnnounceAsync(profile);
    }

    private async Task AnnounceAsync(UserProfile profile)
    {
        await GrainFactory.GetOnlineUsersGrain().SetOnlineAsync(profile.Username, _online);
        var streams = GetStreamProvider(StreamProviderNames.Default);
        foreach (var roomId in profile.Rooms)
        {
            await streams.GetStream<RoomEvent>(StreamId.Create(ChatStreams.RoomNamespace, roomId))
                .OnNextAsync(new PresenceChanged(roomId, profile.Username, _online));
        }
    }

    // The user grain never calls this grain, so asking it here cannot make a call cycle.
    private async Task<UserProfile> RequireProfileAsync()
    {
        var profile = await GrainFactory.GetGrain<IUserGrain>(GrainKey).GetProfileAsync();
        if (profile is null)
        {
            DeactivateOnIdle();
            throw ChatException.NotFound($"User '{GrainKey}' does not exist");
        }

        _username = profile.Username;
        return profile;
    }

    private void StopOfflineTimer()
    {
        _offlineTimer?.Dispose();
        _offlineTimer = null;
    }
}
