using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Storage;

namespace GrainChat.Gateway.Search;

/// <summary>
/// Search over the caller's own rooms and direct conversations only: the room list comes from the caller's user
/// grain, so a room the caller is not in is never searched, whatever the query names.
/// </summary>
internal sealed class SearchService(IGrainFactory grains, IMessageSearch search, IRoomDirectory directory)
{
    public async Task<SearchResponse> SearchAsync(string username, string? q, string? roomId, string? before, int? limit)
    {
        var query = SearchQuery.Parse(q, before, limit);
        var user = grains.GetUserGrain(username);
        var rooms = (await user.GetProfileAsync())?.Rooms ?? [];
        var directs = await user.GetDirectConversationsAsync();
        var names = (await directory.FindAsync([.. rooms])).ToDictionary(r => r.RoomId, r => r.RoomName, StringComparer.Ordinal);
        foreach (var direct in directs)
        {
            names[direct.RoomId] = $"@{direct.With}";
        }

        foreach (var room in rooms.Where(r => !names.ContainsKey(r)))
        {
            names[room] = (await grains.GetRoomGrain(room).GetInfoAsync()).RoomName; // a session's room, not in the directory
        }

        if (roomId is not null && !names.ContainsKey(roomId))
        {
            throw ChatException.Forbidden($"You are not a member of room '{roomId}'");
        }

        var found = await search.SearchAsync(query, roomId is null ? [.. names.Keys] : [roomId]);
        var next = found.Count == query.Limit ? new SearchCursor(UnixTime.ToMilliseconds(found[^1].Timestamp), found[^1].RoomId, found[^1].Id).ToString() : null;
        return new SearchResponse([.. found.Select(m => new SearchResult(m.RoomId, names[m.RoomId], m))], next);
    }
}

/// <summary><c>{results:[{roomId,roomName,message}], next}</c>; <c>next</c> is the <c>before</c> of the next page, or null.</summary>
internal sealed record SearchResponse(IReadOnlyList<SearchResult> Results, string? Next);

internal sealed record SearchResult(string RoomId, string RoomName, ChatMessage Message);
