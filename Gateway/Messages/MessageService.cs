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
internal sealed class MessageService(IGrainFactory grains, ChatRateLimits limits, ChatActivity activity)
{
    public async Task<PostResult> SendAsync(string sender, string roomId, string? text, string? clientMessageId)
    {
        limits.Sends.ThrowIfOver(ChatKeys.UserKey(sender));
        var result = await grains.GetRoomGrain(roomId).PostAsync(sender, text!, clientMessageId);
        if (result.Created)
        {
            activity.MessageStored("room-message", sender, roomId, result.Message.Text);
        }

        return result;
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
