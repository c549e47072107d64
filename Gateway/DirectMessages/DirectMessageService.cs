using GrainChat.Chat;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Limits;
using GrainChat.Gateway.Paging;
using GrainChat.Runtime;
using GrainChat.Storage;

namespace GrainChat.Gateway.DirectMessages;

/// <summary>
/// Direct messages, for the REST endpoints and the hub alike: the conversation is a room whose id comes from
/// the two names (<see cref="ChatKeys.DirectRoomId"/>), created on the first message; the room grain checks
/// the message as for any room.
/// </summary>
internal sealed class DirectMessageService(IGrainFactory grains, IUserDirectory users, IMessageHistory history, ChatRateLimits limits, ChatActivity activity)
{
    public async Task<PostResult> SendAsync(string sender, string recipient, string? text, string? clientMessageId)
    {
        limits.Sends.ThrowIfOver(ChatKeys.UserKey(sender));

        // The room checks every message it stores; checked here first too so that a bad first message does not
        // open a conversation (and list it for both users) that then has nothing in it.
        ChatLimits.ValidateMessage(text, clientMessageId);

        // A query, so that a name nobody has leaves no grain activated behind it.
        if (!ChatLimits.IsValidUsername(recipient) || await users.FindAsync(recipient) is not { } registered)
        {
            throw ChatException.NotFound($"User '{recipient}' does not exist");
        }

        if (ChatKeys.SameUser(registered, sender))
        {
            throw ChatException.Invalid("A direct message goes to someone else", "username");
        }

        var room = grains.GetRoomGrain(ChatKeys.DirectRoomId(sender, registered));
        await room.EnsureDirectAsync(sender, registered);
        var result = await room.PostAsync(sender, text!, clientMessageId);
        if (result.Created)
        {
            activity.MessageStored("direct-message", sender, result.Message.RoomId, result.Message.Text);
        }

        return result;
    }

    /// <summary>A page of the user's direct conversations (one more than the page), each with its latest message.</summary>
    public async Task<IReadOnlyList<DirectConversation>> ListAsync(string username, PageRequest page)
    {
        var conversations = page.Slice(await grains.GetUserGrain(username).GetDirectConversationsAsync(), c => c.RoomId);
        var listed = new List<DirectConversation>(conversations.Count);
        foreach (var conversation in conversations)
        {
            var last = await history.ReadAsync(conversation.RoomId, HistoryQuery.Latest(1));
            listed.Add(new DirectConversation(conversation.RoomId, conversation.With, last.Count == 0 ? null : last[0]));
        }

        return listed;
    }
}
