using GrainChat.Chat;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Runtime.Streams;
using GrainChat.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Grains.Rooms;

/// <summary>
/// A room or direct conversation: its members and its messages. A message is checked here, stored by the
/// <see cref="IMessageLog"/> (messages are not grain state), and, once committed, handed back to this
/// activation as a turn of its own that adds it to the recent window and publishes it on <c>room/&lt;id&gt;</c>
/// — or, for a direct conversation, on both users' streams. The latest messages stay in memory so that most
/// history reads never reach the database.
/// </summary>
public sealed partial class RoomGrain(
    [PersistentState("room")] IPersistentState<RoomState> room,
    IMessageLog log,
    IMessageHistory history,
    IMessageChanges changes,
    IReadMarkers readMarkers,
    IRoomDirectory directory,
    IOptions<MembershipLimits> limits,
    TimeProvider time,
    ILogger<RoomGrain> logger) : Grain, IRoomGrain
{
    /// <summary>
    /// How many of the latest messages stay in memory: one page of the default size, which is what a client opening
    /// the room asks for. A longer window kept a busy room's messages alive past the next gen0 collection, which then
    /// had to mark and promote them all: at 200, each steady one marked about three times as much, and the p99
    /// latency at 20,000 deliveries/s was about a third longer (bench/RESULTS.md, thirteenth session). Other reads go
    /// to storage.
    /// </summary>
    public const int RecentWindowSize = HistoryQuery.DefaultLimit;

    private readonly RecentMessages _recent = new(RecentWindowSize);
    private readonly Lock _appendOrder = new();
    private Action<ChatMessage>? _onCommitted;

    // The last post that had to wait before its append (a reply's lookup, or a post queued behind one); completed
    // once that append is issued. Posts arriving meanwhile queue behind it.
    private Task? _lastHeldAppend;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (room.RecordExists)
        {
            _recent.StartFrom(await history.ReadAsync(GrainKey, HistoryQuery.Latest(RecentWindowSize)));
        }
    }

    public async Task<RoomInfo> CreateAsync(string roomName, string creator)
    {
        if (room.RecordExists)
        {
            throw ChatException.Conflict($"Room '{GrainKey}' already exists");
        }

        if (!ChatLimits.IsValidRoomName(roomName, out var name))
        {
            DeactivateOnIdle();
            throw ChatLimits.InvalidRoomName();
        }

        var createdAt = UnixTime.Now(time);
        if (!await directory.TryAddAsync(new RoomSummary(GrainKey, name, 1, creator, createdAt)))
        {
            DeactivateOnIdle();
            throw ChatException.Conflict($"Room name '{name}' is already taken", "roomName");
        }

        try
        {
            // The creator's grain holds their caps (rooms held, rooms ever created).
            await GrainFactory.GetUserGrain(creator).AddCreatedRoomAsync(GrainKey);
        }
        catch (ChatException)
        {
            await directory.RemoveAsync(GrainKey);
            DeactivateOnIdle();
            throw;
        }

        room.State = new RoomState { RoomName = name, CreatedBy = creator, CreatedAt = createdAt, Members = [creator] };
        await room.WriteStateAsync();
        return Info();
    }

    public async Task<RoomInfo> EnsureDirectAsync(string userA, string userB)
    {
        if (!string.Equals(ChatKeys.DirectRoomId(userA, userB), GrainKey, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Room {GrainKey} is not the direct conversation of {userA} and {userB}.");
        }

        if (!room.RecordExists)
        {
            room.State = new RoomState { RoomName = $"{userA} & {userB}", CreatedBy = userA, CreatedAt = UnixTime.Now(time), Members = [userA, userB], IsDirect = true };
            await room.WriteStateAsync();
            await GrainFactory.GetUserGrain(userA).AddDirectConversationAsync(GrainKey, userB);
            await GrainFactory.GetUserGrain(userB).AddDirectConversationAsync(GrainKey, userA);
        }

        return Info();
    }

    public async Task<RoomInfo> CreateSessionRoomAsync(string roomName, string host, string? robot)
    {
        if (!room.RecordExists)
        {
            room.State = new RoomState { RoomName = roomName, CreatedBy = host, CreatedAt = UnixTime.Now(time), Members = [host], IsSession = true, Robot = robot };
            await room.WriteStateAsync();
            await GrainFactory.GetUserGrain(host).AddRoomAsync(GrainKey);
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

        if (isMember)
        {
            await AddMemberAsync(username);
        }
        else
        {
            await RemoveMemberAsync(username);
        }
    }

    public Task<RoomInfo> GetInfoAsync()
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public Task<RoomInfo> GetInfoForAsync(string username)
    {
        EnsureExists();
        if ((room.State.IsDirect || room.State.IsSession) && !IsMember(username))
        {
            throw ChatException.NotFound($"Room '{GrainKey}' does not exist");
        }

        return Task.FromResult(Info());
    }

    public Task<IReadOnlyList<string>> GetMembersAsync(string username)
    {
        EnsureExists();
        EnsureMember(username);
        return Task.FromResult(room.State.Members);
    }

    public async Task<RoomInfo> JoinAsync(string username)
    {
        EnsureExists();
        EnsureOpenMembership(joining: true);
        if (!IsMember(username))
        {
            if (room.State.Members.Count >= limits.Value.MembersPerRoom)
            {
                throw ChatException.Conflict($"Room '{room.State.RoomName}' is full: it has {limits.Value.MembersPerRoom} members, the most allowed");
            }

            await AddMemberAsync(username);
            await directory.SetMemberCountAsync(GrainKey, room.State.Members.Count);
        }

        return Info();
    }

    public async Task LeaveAsync(string username)
    {
        EnsureExists();
        EnsureOpenMembership(joining: false);
        if (IsMember(username))
        {
            await RemoveMemberAsync(username);
            await directory.SetMemberCountAsync(GrainKey, room.State.Members.Count);
        }
    }

    // Interleaves with other calls (see IRoomGrain.PostAsync): it only reads the room's state record, which
    // turns replace but never change in place. What happens after the commit runs in OnCommittedAsync.
    // Posts are appended in the order they reach the room, so one sender's messages are stored in the order
    // sent: a reply whose original must be looked up first holds the posts behind it until it is appended.
    public Task<PostResult> PostAsync(string sender, string text, string? clientMessageId, long? replyTo = null)
    {
        MessagePathTrace.Mark(MessagePathStage.PostStarted, text);
        EnsureExists();
        EnsureMember(sender);
        ChatLimits.ValidateMessage(text, clientMessageId);
        var mentions = MessageText.MentionsIn(text, room.State.Members);
        lock (_appendOrder)
        {
            if (replyTo is null && _lastHeldAppend?.IsCompleted != false)
            {
                return log.AppendAsync(GrainKey, sender, text, clientMessageId, _onCommitted ??= ScheduleOnCommitted, replyTo, mentions);
            }

            var previous = _lastHeldAppend;
            var appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _lastHeldAppend = appended.Task;
            return AppendInOrderAsync(previous, appended, sender, text, clientMessageId, replyTo, mentions);
        }
    }

    private async Task<PostResult> AppendInOrderAsync(
        Task? previous, TaskCompletionSource appended, string sender, string text, string? clientMessageId, long? replyTo, IReadOnlyList<string> mentions)
    {
        Task<PostResult> append;
        try
        {
            if (previous is not null)
            {
                await previous;
            }

            if (replyTo is { } original && (original < 1 || await changes.FindAsync(GrainKey, original) is null))
            {
                throw ChatException.Invalid($"replyTo {original} is not a message of this room", "replyTo");
            }

            append = log.AppendAsync(GrainKey, sender, text, clientMessageId, _onCommitted ??= ScheduleOnCommitted, replyTo, mentions);
        }
        finally
        {
            appended.SetResult();
        }

        return await append;
    }

    public async Task<ChatMessage> EditAsync(string username, long id, string text)
    {
        EnsureExists();
        EnsureMember(username);
        ChatLimits.ValidateMessage(text, clientMessageId: null);
        var message = await FindMessageAsync(id);
        if (!ChatKeys.SameUser(message.Sender, username))
        {
            throw ChatException.Forbidden("Only the sender may edit a message");
        }

        var edited = message.Deleted ? null : await changes.EditAsync(GrainKey, id, text, MessageText.MentionsIn(text, room.State.Members), time.GetUtcNow());
        if (edited is null)
        {
            throw ChatException.Conflict($"Message {id} is deleted");
        }

        _recent.Replace(edited);
        await PublishChangeAsync(new MessageEdited(edited));
        return edited;
    }

    public async Task DeleteAsync(string username, long id, bool asAdmin)
    {
        EnsureExists();
        if (!asAdmin)
        {
            EnsureMember(username);
        }

        var message = await FindMessageAsync(id);
        if (!asAdmin && !ChatKeys.SameUser(message.Sender, username))
        {
            throw ChatException.Forbidden("Only the sender (or an admin) may delete a message");
        }

        if (!message.Deleted && await changes.DeleteAsync(GrainKey, id))
        {
            _recent.Replace(message with { Text = "", Deleted = true, Mentions = [], Reactions = [] });
            await PublishChangeAsync(new MessageDeleted(GrainKey, id));
        }
    }

    public async Task<MessageReactions> ReactAsync(string username, long id, string emoji, bool on)
    {
        EnsureExists();
        EnsureMember(username);
        if (!MessageText.IsEmoji(emoji))
        {
            throw ChatException.Invalid("A reaction is one emoji", "emoji");
        }

        var message = await FindMessageAsync(id);
        if (message.Deleted)
        {
            throw ChatException.NotFound($"Message {id} is deleted");
        }

        var mine = message.Reactions.Any(r => r.Emoji == emoji && r.Users.Any(u => ChatKeys.SameUser(u, username)));
        if (mine == on)
        {
            return new MessageReactions(GrainKey, id, message.Reactions);
        }

        if (on && message.Reactions.Count >= ChatLimits.MaxReactionsPerMessage && message.Reactions.All(r => r.Emoji != emoji))
        {
            throw ChatException.Invalid($"A message carries at most {ChatLimits.MaxReactionsPerMessage} different emoji", "emoji");
        }

        var changed = await changes.SetReactionAsync(GrainKey, id, emoji, username, on, time.GetUtcNow()) ?? throw MessageNotFound(id);
        _recent.Replace(changed);
        await PublishChangeAsync(new ReactionsChanged(GrainKey, id, changed.Reactions));
        return new MessageReactions(GrainKey, id, changed.Reactions);
    }

    public async Task<ReadMarker> MarkReadAsync(string username, long messageId)
    {
        EnsureExists();
        EnsureMember(username);
        var lastId = _recent.LastId ?? (await history.ReadAsync(GrainKey, HistoryQuery.Latest(1))).LastOrDefault()?.Id ?? 0;
        if (messageId < 1 || messageId > lastId)
        {
            throw ChatException.Invalid($"messageId {messageId} is not a message of this room (its messages are 1–{lastId})", "messageId");
        }

        var key = ChatKeys.UserKey(username);
        var marker = await readMarkers.MarkAsync(key, GrainKey, messageId);
        await UserStream(key).OnNextAsync(new ReadMarkerChanged(key, GrainKey, marker));
        return new ReadMarker(GrainKey, marker);
    }

    public Task TypingAsync(string username)
    {
        EnsureExists();
        EnsureMember(username);
        return PublishChangeAsync(new UserTyping(GrainKey, room.State.Members.FirstOrDefault(m => ChatKeys.SameUser(m, username)) ?? username));
    }

    public Task<IReadOnlyList<ChatMessage>> GetChangesAsync(string username, long revision, int limit)
    {
        EnsureExists();
        EnsureMember(username);
        return changes.ChangedAfterAsync(GrainKey, revision, limit);
    }

    public async Task<MessagePage> GetMessagesAsync(string username, HistoryQuery query)
    {
        EnsureExists();
        EnsureMember(username);
        var page = _recent.TryRead(query) ?? await history.ReadAsync(GrainKey, query);
        return new MessagePage(GrainKey, page);
    }

    /// <summary>Called by the message log's writer, in commit order: hands the message to a turn of this activation.</summary>
    private void ScheduleOnCommitted(ChatMessage message)
    {
        if (!GrainContext.ScheduleTurn(() => OnCommittedAsync(message)))
        {
            LogNotAnnounced(logger, message.Id, GrainKey);
        }
    }

    /// <summary>A turn per stored message, in id order: remember it, publish it, tell those it mentions, let the room's robot hear it.</summary>
    private async Task OnCommittedAsync(ChatMessage message)
    {
        MessagePathTrace.Mark(MessagePathStage.PublishStarted, message.Text);
        _recent.Add(message);
        await PublishAsync(message);
        foreach (var mentioned in message.Mentions)
        {
            if (!ChatKeys.SameUser(mentioned, message.Sender))
            {
                var key = ChatKeys.UserKey(mentioned);
                await UserStream(key).OnNextAsync(new Mentioned(key, message));
            }
        }

        if (room.State.Robot is { } robot && !LobbyLimits.IsRobotSender(message.Sender))
        {
            // One-way: the robot answers by posting here, so this turn must not wait for it.
            await GrainFactory.GetGrain<IRobotGrain>(GrainKey).HearAsync(robot, message);
        }
    }

    private async Task PublishAsync(ChatMessage message)
    {
        if (!room.State.IsDirect)
        {
            await RoomStream().OnNextAsync(new MessageReceived(message));
            return;
        }

        var streams = GetStreamProvider(StreamProviderNames.Default);
        foreach (var member in room.State.Members)
        {
            var key = ChatKeys.UserKey(member);
            await streams.GetStream<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, key)).OnNextAsync(new DirectMessageReceived(key, message));
        }
    }

    /// <summary>A change to a message: on the room's stream, or for a direct conversation on both users' streams.</summary>
    private async Task PublishChangeAsync(RoomEvent change)
    {
        if (!room.State.IsDirect)
        {
            await RoomStream().OnNextAsync(change);
            return;
        }

        foreach (var member in room.State.Members)
        {
            var key = ChatKeys.UserKey(member);
            await UserStream(key).OnNextAsync(new DirectRoomChanged(key, change));
        }
    }

    private async Task<ChatMessage> FindMessageAsync(long id) =>
        (id < 1 ? null : await changes.FindAsync(GrainKey, id)) ?? throw MessageNotFound(id);

    private ChatException MessageNotFound(long id) => ChatException.NotFound($"Room '{GrainKey}' has no message {id}");

    /// <summary>The user's grain first, so that a user at their own cap changes nothing here; then the members hear of it.</summary>
    private async Task AddMemberAsync(string username)
    {
        await GrainFactory.GetUserGrain(username).AddRoomAsync(GrainKey);
        room.State = room.State with { Members = [.. room.State.Members, username] };
        await room.WriteStateAsync();
        await RoomStream().OnNextAsync(new UserJoined(GrainKey, username));
    }

    /// <summary>The members hear of it while the leaver still follows the room; then the user's grain lets go.</summary>
    private async Task RemoveMemberAsync(string username)
    {
        room.State = room.State with { Members = Without(username) };
        await room.WriteStateAsync();
        await RoomStream().OnNextAsync(new UserLeft(GrainKey, username));
        await GrainFactory.GetUserGrain(username).RemoveRoomAsync(GrainKey);
    }

    private IAsyncStream<UserEvent> UserStream(string userKey) =>
        GetStreamProvider(StreamProviderNames.Default).GetStream<UserEvent>(StreamId.Create(ChatStreams.UserNamespace, userKey));

    private IAsyncStream<RoomEvent> RoomStream() =>
        GetStreamProvider(StreamProviderNames.Default).GetStream<RoomEvent>(StreamId.Create(ChatStreams.RoomNamespace, GrainKey));

    private string[] Without(string username) => room.State.Members.Where(m => !ChatKeys.SameUser(m, username)).ToArray();

    // Every post asks this: a plain loop, without a closure and an enumerator per call.
    private bool IsMember(string username)
    {
        var members = room.State.Members;
        for (var i = 0; i < members.Count; i++)
        {
            if (ChatKeys.SameUser(members[i], username))
            {
                return true;
            }
        }

        return room.State.Robot is { } robot && string.Equals(username, LobbyLimits.RobotSender(robot), StringComparison.Ordinal);
    }

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

    private void EnsureOpenMembership(bool joining)
    {
        if (room.State.IsDirect)
        {
            throw ChatException.Forbidden(joining ? "A direct conversation cannot be joined" : "A direct conversation cannot be left");
        }

        if (room.State.IsSession)
        {
            throw ChatException.Forbidden(joining
                ? "A session's room is joined by joining the session in the lobby"
                : "A session's room is left by leaving the session in the lobby");
        }
    }

    private RoomInfo Info() => new(GrainKey, room.State.RoomName, room.State.CreatedBy, room.State.CreatedAt, room.State.Members, room.State.IsDirect);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Id} of room {RoomId} is stored but was not published: the room's activation had ended")]
    private static partial void LogNotAnnounced(ILogger logger, long id, string roomId);
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
