using GrainChat.Chat;
using GrainChat.Grains.Storage;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Silo;
using GrainChat.Silo.Timers;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrainChat.Grains.Users;

/// <summary>
/// A user: account (salted PBKDF2 hash from ASP.NET Core Identity), sessions, rooms, direct conversations and
/// presence. Presence counts the user's hub connections across devices; the user goes offline a grace period
/// after the last one closes (at once on logout), and stays activated while connected.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> user,
    ChatDirectory directory,
    IOptions<PresenceOptions> presenceOptions,
    TimeProvider time) : Grain, IUserGrain
{
    /// <summary>Sessions kept per user; opening one more ends the oldest.</summary>
    public const int MaxSessionsPerUser = 50;

    private static readonly PasswordHasher<string> Hasher = new();

    // Verified against when the user does not exist, so that an unknown name takes as long as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword("decoy", Guid.NewGuid().ToString()));

    private readonly Dictionary<string, string> _connections = new(StringComparer.Ordinal);
    private IGrainTimer? _offlineTimer;
    private bool _online;
    private DateTimeOffset? _lastSeen;

    public async Task<UserProfile> RegisterAsync(string username, string password)
    {
        ChatLimits.ValidateUsername(username);
        ChatLimits.ValidatePassword(password);
        if (!string.Equals(ChatLimits.UserKey(username), GrainKey, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"User grain {GrainKey} cannot register '{username}'.");
        }

        if (user.RecordExists)
        {
            throw Taken(username);
        }

        user.State = new UserState { Username = username, PasswordHash = Hasher.HashPassword(username, password), CreatedAt = UnixTime.Now(time) };
        try
        {
            await user.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another node registered the same name first.
            await user.ReadStateAsync();
            throw Taken(username);
        }

        await directory.TryAddUserAsync(username, user.State.CreatedAt);
        return Profile();
    }

    public async Task<UserSession?> LoginAsync(string password)
    {
        if (!user.RecordExists)
        {
            Hasher.VerifyHashedPassword("decoy", DecoyHash.Value, password ?? "");
            DeactivateOnIdle();
            return null;
        }

        var verdict = Hasher.VerifyHashedPassword(user.State.Username, user.State.PasswordHash, password ?? "");
        return verdict == PasswordVerificationResult.Failed ? null : await OpenSessionAsync();
    }

    public async Task<UserSession> OpenSessionAsync()
    {
        EnsureRegistered();
        var sessionId = Guid.NewGuid().ToString("N");
        user.State = user.State with { Sessions = [.. user.State.Sessions.TakeLast(MaxSessionsPerUser - 1), sessionId] };
        await WriteWithRetryAsync();
        return new UserSession(user.State.Username, sessionId);
    }

    public Task<bool> IsSessionActiveAsync(string sessionId) =>
        Task.FromResult(user.RecordExists && user.State.Sessions.Contains(sessionId, StringComparer.Ordinal));

    public async Task LogoutAsync(string sessionId)
    {
        EnsureRegistered();
        user.State = user.State with { Sessions = user.State.Sessions.Where(s => !string.Equals(s, sessionId, StringComparison.Ordinal)).ToArray() };
        await WriteWithRetryAsync();
        await UserStream().OnNextAsync(new SessionRevoked(user.State.Username, sessionId));

        foreach (var connection in _connections.Where(c => string.Equals(c.Value, sessionId, StringComparison.Ordinal)).Select(c => c.Key).ToArray())
        {
            _connections.Remove(connection);
        }

        if (_connections.Count == 0 && _online)
        {
            await GoOfflineAsync();
        }
    }

    public Task<UserProfile?> GetProfileAsync() => Task.FromResult(user.RecordExists ? Profile() : null);

    public async Task AddRoomAsync(string roomId)
    {
        EnsureRegistered();
        if (!user.State.Rooms.Contains(roomId, StringComparer.Ordinal))
        {
            user.State = user.State with { Rooms = [.. user.State.Rooms, roomId] };
            await WriteWithRetryAsync();
        }

        await UserStream().OnNextAsync(new MembershipChanged(user.State.Username, roomId, IsMember: true));
    }

    public async Task RemoveRoomAsync(string roomId)
    {
        EnsureRegistered();
        if (user.State.Rooms.Contains(roomId, StringComparer.Ordinal))
        {
            user.State = user.State with { Rooms = user.State.Rooms.Where(r => !string.Equals(r, roomId, StringComparison.Ordinal)).ToArray() };
            await WriteWithRetryAsync();
        }

        await UserStream().OnNextAsync(new MembershipChanged(user.State.Username, roomId, IsMember: false));
    }

    public async Task AddDirectConversationAsync(string roomId, string with)
    {
        EnsureRegistered();
        if (user.State.DirectConversations.All(c => !string.Equals(c.RoomId, roomId, StringComparison.Ordinal)))
        {
            user.State = user.State with { DirectConversations = [.. user.State.DirectConversations, new DirectConversationRef(roomId, with)] };
            await WriteWithRetryAsync();
        }
    }

    public Task<IReadOnlyList<DirectConversationRef>> GetDirectConversationsAsync() =>
        Task.FromResult(user.RecordExists ? user.State.DirectConversations : (IReadOnlyList<DirectConversationRef>)[]);

    public async Task ConnectedAsync(string connectionId, string sessionId)
    {
        EnsureRegistered();
        _connections[connectionId] = sessionId;
        DelayDeactivation(TimeSpan.MaxValue);
        _offlineTimer?.Dispose();
        _offlineTimer = null;
        if (!_online)
        {
            _online = true;
            await AnnouncePresenceAsync();
        }
    }

    public Task DisconnectedAsync(string connectionId)
    {
        if (_connections.Remove(connectionId) && _connections.Count == 0 && _online)
        {
            _offlineTimer?.Dispose();
            _offlineTimer = RegisterGrainTimer(_ => GoOfflineIfStillDisconnectedAsync(), presenceOptions.Value.GracePeriod, Timeout.InfiniteTimeSpan);
        }

        return Task.CompletedTask;
    }

    public Task<LobbyStatus> GetLobbyStatusAsync() =>
        Task.FromResult(new LobbyStatus(user.State.LobbyState, user.State.LobbySession));

    public async Task ReserveSessionAsync(string sessionKey)
    {
        EnsureRegistered();
        if (user.State.LobbySession is { } current && !string.Equals(current, sessionKey, StringComparison.Ordinal))
        {
            throw ChatException.Conflict($"You are already in session '{current}'; leave it first");
        }

        if (user.State.LobbySession is null)
        {
            user.State = user.State with { LobbySession = sessionKey, LobbyState = PlayerState.Waiting };
            await WriteWithRetryAsync();
        }
    }

    public async Task SetSessionStateAsync(string sessionKey, PlayerState state)
    {
        if (user.RecordExists && string.Equals(user.State.LobbySession, sessionKey, StringComparison.Ordinal) && user.State.LobbyState != state)
        {
            user.State = user.State with { LobbyState = state };
            await WriteWithRetryAsync();
        }
    }

    public async Task ReleaseSessionAsync(string sessionKey)
    {
        if (user.RecordExists && string.Equals(user.State.LobbySession, sessionKey, StringComparison.Ordinal))
        {
            user.State = user.State with { LobbySession = null, LobbyState = PlayerState.Idle };
            await WriteWithRetryAsync();
        }
    }

    public Task<UserPresence> GetPresenceAsync() =>
        Task.FromResult(new UserPresence(user.RecordExists ? user.State.Username : GrainKey, _online, _lastSeen, _connections.Count));

    private async Task GoOfflineIfStillDisconnectedAsync()
    {
        if (_connections.Count == 0 && _online)
        {
            await GoOfflineAsync();
        }
    }

    private async Task GoOfflineAsync()
    {
        _offlineTimer?.Dispose();
        _offlineTimer = null;
        _online = false;
        _lastSeen = UnixTime.Now(time);
        DelayDeactivation(TimeSpan.Zero);
        await directory.SetLastSeenAsync(user.State.Username, _lastSeen.Value);
        await AnnouncePresenceAsync();
    }

    private async Task AnnouncePresenceAsync()
    {
        await GrainFactory.GetGrain<IPresenceGrain>(IPresenceGrain.Key).SetOnlineAsync(user.State.Username, _online);
        var streams = GetStreamProvider(StreamProviderNames.Default);
        foreach (var roomId in user.State.Rooms)
        {
            await streams.GetStream<RoomEvent>(StreamId.Create(ChatStreams.RoomNamespace, roomId))
                .OnNextAsync(new PresenceChanged(roomId, user.State.Username, _online));
        }
    }

    // Membership and session changes come one turn at a time here; a conflict only means another node wrote.
    private async Task WriteWithRetryAsync()
    {
        try
        {
            await user.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            var wanted = user.State;
            await user.ReadStateAsync();
            user.State = wanted;
            await user.WriteStateAsync();
        }
    }

    private IAsyncStream<UserEvent> UserStream() =>
        GetStreamProvider(StreamProviderNames.Default).GetStream<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, GrainKey));

    private void EnsureRegistered()
    {
        if (!user.RecordExists)
        {
            DeactivateOnIdle();
            throw ChatException.NotFound($"User '{GrainKey}' does not exist");
        }
    }

    private UserProfile Profile() => new(user.State.Username, user.State.CreatedAt, user.State.Rooms);

    private static ChatException Taken(string username) => ChatException.Conflict($"Username '{username}' is already taken", "username");
}

public sealed record UserState
{
    public string Username { get; init; } = "";

    public string PasswordHash { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public IReadOnlyList<string> Rooms { get; init; } = [];

    public IReadOnlyList<DirectConversationRef> DirectConversations { get; init; } = [];

    public IReadOnlyList<string> Sessions { get; init; } = [];

    /// <summary>The key of the lobby session the user is in, if any (at most one).</summary>
    public string? LobbySession { get; init; }

    public PlayerState LobbyState { get; init; }
}

/// <summary>Bound from <c>GrainChat:Presence</c>.</summary>
public sealed class PresenceOptions
{
    public const string SectionName = "GrainChat:Presence";

    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(10);
}
