using GrainChat.Chat;
using System.Security.Cryptography;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.Limits;
using GrainChat.Gateway.Paging;
using GrainChat.Gateway.Presence;
using GrainChat.Runtime;
using GrainChat.Storage;

namespace GrainChat.Gateway.Rooms;

/// <summary>Room actions shared by the REST endpoints and the hub. The rules (who may join, who is a member) are the room grain's.</summary>
internal sealed class RoomService(IGrainFactory grains, IRoomDirectory directory, IReadMarkers readMarkers, PresenceService presence, ChatRateLimits limits, ChatActivity activity)
{
    /// <summary>A page of the listed rooms (read with one more than the page), or of those the user is a member of.</summary>
    public async Task<IReadOnlyList<RoomSummary>> ListAsync(string username, bool joinedOnly, PageRequest page)
    {
        if (!joinedOnly)
        {
            return await directory.ListAsync(page.After, page.Limit + 1);
        }

        var mine = (await grains.GetUserGrain(username).GetProfileAsync())?.Rooms ?? [];
        var rooms = page.Slice(await directory.FindAsync([.. mine]), r => r.RoomId);
        var unread = (await readMarkers.UnreadAsync(ChatKeys.UserKey(username), username, [.. rooms.Select(r => r.RoomId)]))
            .ToDictionary(u => u.RoomId, StringComparer.Ordinal);
        return [.. rooms.Select(r => unread.TryGetValue(r.RoomId, out var u)
            ? r with { LastReadId = u.LastReadId, UnreadCount = u.UnreadCount, MentionCount = u.MentionCount }
            : r)];
    }

    /// <summary>The user's rooms, session and direct rooms included, in the order joined.</summary>
    public async Task<IReadOnlyList<RoomSummary>> OfUserAsync(string username)
    {
        var profile = await grains.GetUserGrain(username).GetProfileAsync();
        var rooms = new List<RoomSummary>();
        foreach (var roomId in profile?.Rooms ?? [])
        {
            rooms.Add((await grains.GetRoomGrain(roomId).GetInfoAsync()).ToSummary());
        }

        return rooms;
    }

    public async Task<RoomDetails> DetailsAsync(string username, string roomId)
    {
        var room = await grains.GetRoomGrain(roomId).GetInfoForAsync(username);
        var members = await presence.WithPresenceAsync(room.Members);
        return new RoomDetails(room.RoomId, room.RoomName, room.Members.Count, room.CreatedBy, room.CreatedAt, members);
    }

    public async Task<IReadOnlyList<MemberPresence>> MembersAsync(string username, string roomId) =>
        await presence.WithPresenceAsync(await grains.GetRoomGrain(roomId).GetMembersAsync(username));

    public async Task<RoomInfo> CreateAsync(string username, string roomName)
    {
        limits.RoomCreations.ThrowIfOver(ChatKeys.UserKey(username));
        return await grains.GetRoomGrain(RandomNumberGenerator.GetHexString(16, lowercase: true)).CreateAsync(roomName, username);
    }

    public async Task<RoomInfo> JoinAsync(string username, string roomId)
    {
        limits.JoinsAndLeaves.ThrowIfOver(ChatKeys.UserKey(username));
        var room = await grains.GetRoomGrain(roomId).JoinAsync(username);
        activity.Traffic("join", username, roomId, null);
        return room;
    }

    public async Task LeaveAsync(string username, string roomId)
    {
        limits.JoinsAndLeaves.ThrowIfOver(ChatKeys.UserKey(username));
        await grains.GetRoomGrain(roomId).LeaveAsync(username);
        activity.Traffic("leave", username, roomId, null);
    }
}
