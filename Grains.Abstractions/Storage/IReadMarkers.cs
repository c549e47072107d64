namespace GrainChat.Storage;

/// <summary>Where each user has read up to in each room, and what is unread after it.</summary>
public interface IReadMarkers
{
    /// <summary>Moves the marker forward to <paramref name="messageId"/> (never back); answers where it is now.</summary>
    Task<long> MarkAsync(string userKey, string roomId, long messageId);

    /// <summary>For each room: the marker, the messages after it that others sent and are not deleted, and how many of those mention the user.</summary>
    Task<IReadOnlyList<RoomUnread>> UnreadAsync(string userKey, string username, IReadOnlyList<string> roomIds);
}

public sealed record RoomUnread(string RoomId, long LastReadId, long UnreadCount, long MentionCount);
