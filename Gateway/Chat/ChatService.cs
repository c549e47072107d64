using GrainChat.Chat;
using GrainChat.Grains.Storage;
using GrainChat.Gateway.Dashboard;
using GrainChat.Gateway.Metrics;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Chat;

/// <summary>What REST endpoints and hub methods have in common: one place for each chat action they both offer.</summary>
internal sealed class ChatService(IGrainFactory grains, SendRateLimiter rateLimiter, MessageLog log, ChatTraffic traffic, TrafficLog trafficLog)
{
    public IUserGrain User(string username) => grains.GetGrain<IUserGrain>(ChatLimits.UserKey(username));

    public IRoomGrain Room(string roomId) => grains.GetGrain<IRoomGrain>(roomId);

    public async Task<PostResult> SendAsync(string sender, string roomId, string? text, string? clientMessageId)
    {
        ChatLimits.ValidateMessage(text, clientMessageId);
        ThrowIfOverRate(sender);
        var result = await Room(roomId).PostAsync(sender, text!, clientMessageId);
        Stored(result, "room-message");
        return result;
    }

    public async Task<RoomInfo> JoinAsync(string username, string roomId)
    {
        var room = await Room(roomId).JoinAsync(username);
        trafficLog.Record("join", username, roomId, null);
        return room;
    }

    public async Task LeaveAsync(string username, string roomId)
    {
        await Room(roomId).LeaveAsync(username);
        trafficLog.Record("leave", username, roomId, null);
    }

    public void RecordHubTraffic(string eventName, string username, string? data) => trafficLog.Record(eventName, username, null, data);

    public async Task<PostResult> SendDirectAsync(string sender, string recipient, string? text, string? clientMessageId)
    {
        ChatLimits.ValidateMessage(text, clientMessageId);
        if (await User(recipient).GetProfileAsync() is not { } profile)
        {
            throw ChatException.NotFound($"User '{recipient}' does not exist");
        }

        if (string.Equals(ChatLimits.UserKey(profile.Username), ChatLimits.UserKey(sender), StringComparison.Ordinal))
        {
            throw ChatException.Invalid("A direct message goes to someone else", "username");
        }

        ThrowIfOverRate(sender);
        var roomId = ChatLimits.DirectRoomId(sender, profile.Username);
        await Room(roomId).EnsureDirectAsync(sender, profile.Username);
        var result = await Room(roomId).PostAsync(sender, text!, clientMessageId);
        Stored(result, "direct-message");
        return result;
    }

    public async Task<IReadOnlyList<DirectConversation>> DirectConversationsAsync(string username)
    {
        var conversations = await User(username).GetDirectConversationsAsync();
        var listed = new List<DirectConversation>(conversations.Count);
        foreach (var conversation in conversations)
        {
            var last = await log.ReadAsync(conversation.RoomId, HistoryQuery.Latest(1));
            listed.Add(new DirectConversation(conversation.RoomId, conversation.With, last.Count == 0 ? null : last[0]));
        }

        return listed;
    }

    public async Task<IReadOnlyList<MemberPresence>> MembersAsync(RoomInfo room)
    {
        var online = (await grains.GetGrain<IPresenceGrain>(IPresenceGrain.Key).GetOnlineAsync()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return room.Members.Select(m => new MemberPresence(m, online.Contains(m))).ToArray();
    }

    public static HistoryQuery History(long? after, long? before, int? limit)
    {
        if (after is not null && before is not null)
        {
            throw ChatException.Invalid("Give either after or before, not both", "after");
        }

        if (after < 0 || before < 1)
        {
            throw ChatException.Invalid("A message id cursor is a positive number", after is not null ? "after" : "before");
        }

        var size = limit ?? HistoryQuery.DefaultLimit;
        if (size is < 1 or > HistoryQuery.MaxLimit)
        {
            throw ChatException.Invalid($"limit is 1–{HistoryQuery.MaxLimit}", "limit");
        }

        return new HistoryQuery(after, before, size);
    }

    private void Stored(PostResult result, string eventName)
    {
        if (result.Created)
        {
            traffic.MessageStored();
            trafficLog.Record(eventName, result.Message.Sender, result.Message.RoomId, result.Message.Text);
        }
    }

    private void ThrowIfOverRate(string sender)
    {
        if (!rateLimiter.TryAcquire(ChatLimits.UserKey(sender), out var retryAfter))
        {
            throw new RateLimitedException(retryAfter);
        }
    }
}
