using GrainChat.Chat;

namespace GrainChat.Storage;

/// <summary>
/// The listed rooms: what <c>GET /api/rooms</c> reads, and what makes room names unique. Its unique keys (not a
/// grain) decide a race between two creates of one name, on one node or several. Written by the room grains.
/// </summary>
public interface IRoomDirectory
{
    /// <summary>Adds a room; false when its name (case-insensitively) or id is taken.</summary>
    Task<bool> TryAddAsync(RoomSummary room);

    /// <summary>Takes back a room whose creation did not complete.</summary>
    Task RemoveAsync(string roomId);

    Task SetMemberCountAsync(string roomId, int memberCount);

    /// <summary>Up to <paramref name="limit"/> listed rooms, oldest first, after the room <paramref name="afterRoomId"/> (null: from the start).</summary>
    Task<IReadOnlyList<RoomSummary>> ListAsync(string? afterRoomId, int limit);

    /// <summary>The listed rooms among <paramref name="roomIds"/> (direct and session rooms are not listed), oldest first.</summary>
    Task<IReadOnlyList<RoomSummary>> FindAsync(IReadOnlyCollection<string> roomIds);

    Task<long> CountAsync();
}
