using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrainChat.Grains.Users;

/// <summary>
/// A user account: the salted PBKDF2 hash (ASP.NET Core Identity's hasher), the login sessions that tokens
/// name, and the index of the user's rooms and direct conversations. Presence (Presence/) and the lobby seat
/// (Lobby/) are grains of their own under the same key.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> user,
    IUserDirectory directory,
    IOptions<MembershipLimits> limits,
    TimeProvider time) : Grain, IUserGrain
{
    /// <summary>Sessions kept per user; opening one more ends the oldest.</summary>
    public const int MaxSessionsPerUser = 50;

    private static readonly PasswordHasher<string> Hasher = new();

    // Verified against when the user does not exist, so that an unknown name takes as long as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword("decoy", Guid.NewGuid().ToString()));

    public async Task<UserProfile> RegisterAsync(string username, string password)
    {
        ChatLimits.ValidateUsername(username);
        ChatLimits.ValidatePassword(password);
        if (!string.Equals(ChatKeys.UserKey(username), GrainKey, StringComparison.Ordinal))
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

        await directory.TryAddAsync(username, user.State.CreatedAt);
        return Profile();
    }

    // Interleaves (see IUserGrain): the slow hash check must not hold up the user's session checks and profile
    // reads. It only reads the state record, which turns replace but never change in place.
    public Task<UserProfile?> VerifyPasswordAsync(string password)
    {
        if (!user.RecordExists)
        {
            Hasher.VerifyHashedPassword("decoy", DecoyHash.Value, password ?? "");
            DeactivateOnIdle();
            return Task.FromResult<UserProfile?>(null);
        }

        var state = user.State;
        var verdict = Hasher.VerifyHashedPassword(state.Username, state.PasswordHash, password ?? "");
        return Task.FromResult(verdict == PasswordVerificationResult.Failed ? null : Profile());
    }

    public async Task<UserSession> OpenSessionAsync()
    {
        EnsureRegistered();
        var sessionId = Guid.NewGuid().ToString("N");
        var evicted = user.State.Sessions.SkipLast(MaxSessionsPerUser - 1).ToArray();
        user.State = user.State with { Sessions = [.. user.State.Sessions.TakeLast(MaxSessionsPerUser - 1), sessionId] };
        await user.WriteOverAsync();
        foreach (var ended in evicted)
        {
            // As at logout: the evicted session's connections are told to close.
            await UserStream().OnNextAsync(new SessionRevoked(user.State.Username, ended));
        }

        return new UserSession(user.State.Username, sessionId);
    }

    public Task<bool> IsSessionActiveAsync(string sessionId) =>
        Task.FromResult(user.RecordExists && user.State.Sessions.Contains(sessionId, StringComparer.Ordinal));

    public async Task LogoutAsync(string sessionId)
    {
        EnsureRegistered();
        user.State = user.State with { Sessions = user.State.Sessions.Where(s => !string.Equals(s, sessionId, StringComparison.Ordinal)).ToArray() };
        await user.WriteOverAsync();
        await UserStream().OnNextAsync(new SessionRevoked(user.State.Username, sessionId));
    }

    public Task<UserProfile?> GetProfileAsync() => Task.FromResult(user.RecordExists ? Profile() : null);

    public Task AddRoomAsync(string roomId) => AddRoomAsync(roomId, created: false);

    public Task AddCreatedRoomAsync(string roomId) => AddRoomAsync(roomId, created: true);

    private async Task AddRoomAsync(string roomId, bool created)
    {
        EnsureRegistered();
        if (!user.State.Rooms.Contains(roomId, StringComparer.Ordinal))
        {
            if (user.State.Rooms.Count >= limits.Value.RoomsPerUser)
            {
                throw ChatException.Conflict($"You are in {limits.Value.RoomsPerUser} rooms, the most allowed; leave one first");
            }

            if (created && user.State.RoomsCreated >= limits.Value.RoomsCreatedPerUser)
            {
                throw ChatException.Conflict($"You have created {limits.Value.RoomsCreatedPerUser} rooms, the most allowed");
            }

            user.State = user.State with { Rooms = [.. user.State.Rooms, roomId], RoomsCreated = user.State.RoomsCreated + (created ? 1 : 0) };
            await user.WriteOverAsync();
        }

        await UserStream().OnNextAsync(new MembershipChanged(user.State.Username, roomId, IsMember: true));
    }

    public async Task RemoveRoomAsync(string roomId)
    {
        EnsureRegistered();
        if (user.State.Rooms.Contains(roomId, StringComparer.Ordinal))
        {
            user.State = user.State with { Rooms = user.State.Rooms.Where(r => !string.Equals(r, roomId, StringComparison.Ordinal)).ToArray() };
            await user.WriteOverAsync();
        }

        await UserStream().OnNextAsync(new MembershipChanged(user.State.Username, roomId, IsMember: false));
    }

    public async Task AddDirectConversationAsync(string roomId, string with)
    {
        EnsureRegistered();
        if (user.State.DirectConversations.All(c => !string.Equals(c.RoomId, roomId, StringComparison.Ordinal)))
        {
            user.State = user.State with { DirectConversations = [.. user.State.DirectConversations, new DirectConversationRef(roomId, with)] };
            await user.WriteOverAsync();
        }
    }

    public Task<IReadOnlyList<DirectConversationRef>> GetDirectConversationsAsync() =>
        Task.FromResult(user.RecordExists ? user.State.DirectConversations : (IReadOnlyList<DirectConversationRef>)[]);

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

    /// <summary>Rooms this user has created, ever (capped by <see cref="MembershipLimits.RoomsCreatedPerUser"/>).</summary>
    public int RoomsCreated { get; init; }
}
