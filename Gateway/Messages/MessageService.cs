using GrainChat.Chat;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Limits;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Messages;

/// <summary>
/// Sending to a room and reading its history, for the REST endpoints and the hub alike. The rules of a message
/// (membership, text, clientMessageId) are the room grain's; this adds the per-user send rate (a send the room
/// then refuses has used its token too) and reports what was stored.
/// </summary>
internal sealed class MessageService(IGrainFactory grains, ChatRateLimits limits, ChatActivity activity, TypingThrottle typing)
{
    public async Task<PostResult> SendAsync(string sender, string roomId, string? text, string? clientMessageId, long? replyTo = null)
    {
        MessagePathTrace.Mark(MessagePathStage.Received, text);
        limits.Sends.ThrowIfOver(ChatKeys.UserKey(sender));
        var result = await grains.GetRoomGrain(roomId).PostAsync(sender, text!, clientMessageId, replyTo);
        if (result.Created)
        {
            MessagePathTrace.Mark(MessagePathStage.Answered, result.Message.Text);
            activity.MessageStored("room-message", sender, roomId, result.Message.Text);
        }

        return result;
    }

    /// <summary>Edits count against the send rate, as sends do.</summary>
    public Task<ChatMessage> EditAsync(string username, string roomId, long id, string? text)
    {
        limits.Sends.ThrowIfOver(ChatKeys.UserKey(username));
        return grains.GetRoomGrain(roomId).EditAsync(username, id, text!);
    }

    public Task DeleteAsync(string username, string roomId, long id, bool isAdmin) =>
        grains.GetRoomGrain(roomId).DeleteAsync(username, id, isAdmin);

    public Task<MessageReactions> ReactAsync(string username, string roomId, long id, string emoji, bool on)
    {
        limits.Sends.ThrowIfOver(ChatKeys.UserKey(username));
        return grains.GetRoomGrain(roomId).ReactAsync(username, id, emoji, on);
    }

    public Task<ReadMarker> MarkReadAsync(string username, string roomId, long? messageId) =>
        messageId is { } id
            ? grains.GetRoomGrain(roomId).MarkReadAsync(username, id)
            : throw ChatException.Invalid("messageId is required", "messageId");

    /// <summary>Forwards at most one typing notice per user and room per <see cref="ChatLimits.TypingInterval"/>; the rest are dropped quietly.</summary>
    public Task TypingAsync(string username, string roomId) =>
        typing.ShouldForward(ChatKeys.UserKey(username), roomId) ? grains.GetRoomGrain(roomId).TypingAsync(username) : Task.CompletedTask;

    public async Task<ChangesPage> ChangesAsync(string username, string roomId, long? after, int? limit)
    {
        if (after < 0)
        {
            throw ChatException.Invalid("after is a revision, 0 or more", "after");
        }

        var size = limit ?? HistoryQuery.DefaultLimit;
        if (size is < 1 or > HistoryQuery.MaxLimit)
        {
            throw ChatException.Invalid($"limit is 1–{HistoryQuery.MaxLimit}", "limit");
        }

        return new ChangesPage(roomId, await grains.GetRoomGrain(roomId).GetChangesAsync(username, after ?? 0, size));
    }

    public Task<MessagePage> HistoryAsync(string username, string roomId, HistoryQuery query) =>
        grains.GetRoomGrain(roomId).GetMessagesAsync(username, query);

    /// <summary>The history query of <c>?after=&amp;before=&amp;limit=</c> (and of the hub's catch-up), checked.</summary>
    public static HistoryQuery Query(long? after, long? before, int? limit)
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
}
