using GrainChat.Chat;
using GrainChat.Grains.Robots;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Storage;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Lobby;

/// <summary>
/// Lobby actions. A user is claimed (one session at a time) before a seat is taken, and released again when
/// taking the seat fails, so no user is ever recorded in a session that does not list them.
/// </summary>
internal sealed class LobbyService(IGrainFactory grains, ILobbyIndex index, IOptions<RobotOptions> robots)
{
    private const int RandomCandidates = 20;

    public async Task<LobbySession> HostAsync(string username, string? room, int? maxPlayers, string? robot)
    {
        var name = ChatLimits.ValidateRoomName(room);
        var seats = maxPlayers ?? LobbyLimits.DefaultMaxPlayers;
        if (seats is < LobbyLimits.MinPlayers or > LobbyLimits.MaxPlayers)
        {
            throw ChatException.Invalid($"maxPlayers is {LobbyLimits.MinPlayers}–{LobbyLimits.MaxPlayers}", "maxPlayers");
        }

        var robotName = ValidateRobot(robot);
        var key = LobbyLimits.SessionKey(name);
        return await WithSeatAsync(username, key, () => Session(key).HostAsync(name, username, seats, robotName));
    }

    public async Task<LobbySession> JoinAsync(string username, string? room, bool random)
    {
        if (!random)
        {
            var name = ChatLimits.ValidateRoomName(room);
            var key = LobbyLimits.SessionKey(name);
            return await WithSeatAsync(username, key, () => Session(key).JoinAsync(username));
        }

        // Try open sessions oldest first; one filling up meanwhile just means trying the next.
        foreach (var candidate in await index.OpenSessionsAsync(RandomCandidates))
        {
            var key = LobbyLimits.SessionKey(candidate);
            try
            {
                return await WithSeatAsync(username, key, () => Session(key).JoinAsync(username));
            }
            catch (ChatException exception) when (exception.Code is ChatErrorCode.Conflict or ChatErrorCode.NotFound)
            {
                // Full or started since it was listed.
            }
        }

        throw ChatException.NotFound("There is no open session to join; host one instead");
    }

    public Task<LobbySession> StartAsync(string username, string room) =>
        Session(room).StartAsync(username);

    public async Task<LobbySession> LeaveAsync(string username)
    {
        var status = await Player(username).GetStatusAsync();
        if (status.Session is not { } key)
        {
            throw ChatException.Conflict("You are not in a session");
        }

        return await Session(key).LeaveAsync(username);
    }

    public Task<LobbyStatus> StatusAsync(string username) => Player(username).GetStatusAsync();

    private async Task<LobbySession> WithSeatAsync(string username, string key, Func<Task<LobbySession>> takeSeat)
    {
        var player = Player(username);
        await player.ReserveSessionAsync(key);
        try
        {
            return await takeSeat();
        }
        catch
        {
            var status = await player.GetStatusAsync();
            var seated = (await Session(key).GetAsync())?.Players.Contains(username, ChatKeys.UsernameComparer) == true;
            if (status.Session == key && !seated)
            {
                await player.ReleaseSessionAsync(key);
            }

            throw;
        }
    }

    private string? ValidateRobot(string? robot)
    {
        if (string.IsNullOrWhiteSpace(robot))
        {
            return null;
        }

        var name = robot.Trim();
        if (name.Length > LobbyLimits.RobotNameMaxLength || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/')))
        {
            throw ChatException.Invalid($"A robot name is up to {LobbyLimits.RobotNameMaxLength} characters of A-Z a-z 0-9 - _ . : /", "robot");
        }

        if (!string.Equals(name, RobotGrain.Echo, StringComparison.OrdinalIgnoreCase) && !robots.Value.Models.Contains(name, StringComparer.Ordinal))
        {
            var offered = string.Join(", ", [RobotGrain.Echo, .. robots.Value.Models]);
            throw ChatException.Invalid($"The robots on offer are: {offered}", "robot");
        }

        return name;
    }

    private ILobbySessionGrain Session(string key) => grains.GetLobbySessionGrain(key);

    private ILobbyPlayerGrain Player(string username) => grains.GetLobbyPlayerGrain(username);
}
