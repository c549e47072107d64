using GrainChat.Chat;
using GrainChat.Grains.Storage;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Silo;

namespace GrainChat.Grains.Rooms;

/// <summary>
/// A room or direct conversation: its members and its message sequence. Messages go to the append-only
/// <see cref="MessageLog"/> (not grain state) and are published on <c>room/&lt;id&gt;</c> — or, for a direct
/// conversation, on both users' streams — only after they are durable. The latest messages are kept in memory
/// so that most history reads never reach the database.
/// </summary>
public sealed class RoomGrain(
    [PersistentState("room")] IPersistentState<RoomState> room,
    MessageLog log,
    ChatDirectory directory,
    TimeProvider time) : Grain, IRoomGrain
{
    /// <summary>How many of the latest messages stay in memory.</summary>
    public const int RecentWindowSize = 200;

    private readonly RecentMessages _recent = new(RecentWindowSize);
    private Action<ChatMessage>? _committed;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (room.RecordExists)
        {
            _recent.StartAfter(await log.GetLastSequenceAsync(GrainKey));
        }
    }

    public async Task<RoomInfo> CreateAsync(string roomName, string creator)
    {
        var name = ChatLimits.ValidateRoomName(roomName);
        if (room.RecordExists)
        {
            throw ChatException.Conflict($"Room '{GrainKey}' already exists");
        }

        var createdAt = UnixTime.Now(time);
        if (!await directory.TryAddRoomAsync(new RoomSummary(GrainKey, name, 1, creator, createdAt)))
        {
            DeactivateOnIdle();
            throw ChatException.Conflict($"Room name '{name}' is already taken", "roomName");
        }

        room.State = new RoomState { RoomName = name, CreatedBy = creator, CreatedAt = createdAt, Members = [creator] };
        await room.WriteStateAsync();
        await User(creator).AddRoomAsync(GrainKey);
        return Info();
    }

    public async Task<RoomInfo> EnsureDirectAsync(string userA, string userB)
    {
        if (!string.Equals(ChatLimits.DirectRoomId(userA, userB), GrainKey, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Room {GrainKey} is not the direct conversation of {userA} and {userB}.");
        }

        if (!room.RecordExists)
        {
            room.State = new RoomState { RoomName = $"{userA} & {userB}", CreatedBy = userA, CreatedAt = UnixTime.Now(time), Members = [userA, userB], IsDirect = true };
            await room.WriteStateAsync();
            await User(userA).AddDirectConversationAsync(GrainKey, userB);
            await User(userB).AddDirectConversationAsync(GrainKey, userA);
        }

        return Info();
    }

    public async Task<RoomInfo> CreateSessionRoomAsync(string roomName, string host, string? robot)
    {
        if (!room.RecordExists)
        {
            room.State = new RoomState { RoomName = roomName, CreatedBy = host, CreatedAt = UnixTime.Now(time), Members = [host], IsSession = true, Robot = robot };
            await room.WriteStateAsync();
            await User(host).AddRoomAsync(GrainKey);
        }

        return Info();
    }

    public async Task SetSessionMemberAsync(string username, bool isMember)
    {
        EnsureExists();
        if (IsMember(username) == isMember)
        {
            return;
        }

        room.State = room.State with
        {
            Members = isMember ? [.. room.State.Members, username] : room.State.Members.Where(m => !SameUser(m, username)).ToArray(),
        };
        await room.WriteStateAsync();
        if (isMember)
        {
            await User(username).AddRoomAsync(GrainKey);
            await RoomStream().OnNextAsync(new UserJoined(GrainKey, username));
        }
        else
        {
            await RoomStream().OnNextAsync(new UserLeft(GrainKey, username));
            await User(username).RemoveRoomAsync(GrainKey);
        }
    }

    public Task<RoomInfo> GetInfoAsync()
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public async Task<RoomInfo> JoinAsync(string username)
    {
        EnsureExists();
        if (room.State.IsDirect || room.State.IsSession)
        {
            throw ChatException.Forbidden(room.State.IsDirect ? "A direct conversation cannot be joined" : "A session's room is joined by joining the session in the lobby");
        }

        if (!IsMember(username))
        {
            room.State = room.State with { Members = [.. room.State.Members, username] };
            await room.WriteStateAsync();
            await directory.SetMemberCountAsync(GrainKey, room.State.Members.Count);
            await User(username).AddRoomAsync(GrainKey);
            await RoomStream().OnNextAsync(new UserJoined(GrainKey, username));
        }

        return Info();
    }

    public async Task LeaveAsync(string username)
    {
        EnsureExists();
        if (room.State.IsDirect || room.State.IsSession)
        {
            throw ChatException.Forbidden(room.State.IsDirect ? "A direct conversation cannot be left" : "A session's room is left by leaving the session in the lobby");
        }

        if (IsMember(username))
        {
            room.State = room.State with { Members = room.State.Members.Where(m => !SameUser(m, username)).ToArray() };
            await room.WriteStateAsync();
            await directory.SetMemberCountAsync(GrainKey, room.State.Members.Count);
            await RoomStream().OnNextAsync(new UserLeft(GrainKey, username));
            await User(username).RemoveRoomAsync(GrainKey);
        }
    }

    // Runs beside other calls (see IRoomGrain.PostAsync): it reads only immutable state, and the message log
    // gives the id, stores, and calls Committed in commit order.
    public Task<PostResult> PostAsync(string sender, string text, string? clientMessageId)
    {
        EnsureExists();
        EnsureMember(sender);
        ChatLimits.ValidateMessage(text, clientMessageId);
        return log.AppendAsync(GrainKey, sender, text, clientMessageId, _committed ??= Committed);
    }

    public async Task<MessagePage> GetMessagesAsync(string username, HistoryQuery query)
    {
        EnsureExists();
        EnsureMember(username);
        if (!_recent.IsLoaded)
        {
            _recent.Load(await log.ReadAsync(GrainKey, HistoryQuery.Latest(RecentWindowSize)));
        }

        var page = _recent.TryRead(query) ?? await log.ReadAsync(GrainKey, query);
        return new MessagePage(GrainKey, page);
    }

    /// <summary>Runs on the message log's writer, once per stored message of this room, in id order.</summary>
    private void Committed(ChatMessage message)
    {
        _recent.Add(message);
        PublishAsync(message).Forget();
        if (room.State.Robot is { } robot && !LobbyLimits.IsRobotSender(message.Sender))
        {
            // Not awaited: the robot answers by posting here.
            GrainFactory.GetGrain<IRobotGrain>(GrainKey).HearAsync(robot, message).Forget();
        }
    }

    private async Task PublishAsync(ChatMessage message)
    {
        var streams = GetStreamProvider(StreamProviderNames.Default);
        if (!room.State.IsDirect)
        {
            await RoomStream().OnNextAsync(new MessageReceived(message));
            return;
        }

        foreach (var member in room.State.Members)
        {
            var key = ChatLimits.UserKey(member);
            await streams.GetStream<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, key)).OnNextAsync(new DirectMessageReceived(key, message));
        }
    }

    private IAsyncStream<RoomEvent> RoomStream() =>
        GetStreamProvider(StreamProviderNames.Default).GetStream<RoomEvent>(StreamId.Create(ChatStreams.RoomNamespace, GrainKey));

    private IUserGrain User(string username) => GrainFactory.GetGrain<IUserGrain>(ChatLimits.UserKey(username));

    private bool IsMember(string username) =>
        room.State.Members.Any(m => SameUser(m, username))
        || (room.State.Robot is { } robot && string.Equals(username, LobbyLimits.RobotSender(robot), StringComparison.Ordinal));

    private static bool SameUser(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private void EnsureExists()
    {
        if (!room.RecordExists)
        {
            DeactivateOnIdle();
            throw ChatException.NotFound($"Room '{GrainKey}' does not exist");
        }
    }

    private void EnsureMember(string username)
    {
        if (!IsMember(username))
        {
            throw ChatException.Forbidden($"You are not a member of room '{GrainKey}'");
        }
    }

    private RoomInfo Info() => new(GrainKey, room.State.RoomName, room.State.CreatedBy, room.State.CreatedAt, room.State.Members, room.State.IsDirect);
}

public sealed record RoomState
{
    public string RoomName { get; init; } = "";

    public string CreatedBy { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public IReadOnlyList<string> Members { get; init; } = [];

    public bool IsDirect { get; init; }

    /// <summary>The chat room of a lobby session: unlisted, members kept equal to the players.</summary>
    public bool IsSession { get; init; }

    /// <summary>The session's robot player, which answers in this room.</summary>
    public string? Robot { get; init; }
}
