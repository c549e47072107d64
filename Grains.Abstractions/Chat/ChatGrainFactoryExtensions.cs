using GrainChat.Lobby;
using GrainChat.Presence;
using GrainChat.Runtime;

namespace GrainChat.Chat;

/// <summary>References to the chat's grains by the names people use, keyed the one right way.</summary>
public static class ChatGrainFactoryExtensions
{
    public static IUserGrain GetUserGrain(this IGrainFactory grains, string username) => grains.GetGrain<IUserGrain>(ChatKeys.UserKey(username));

    public static IPresenceGrain GetPresenceGrain(this IGrainFactory grains, string username) => grains.GetGrain<IPresenceGrain>(ChatKeys.UserKey(username));

    public static IOnlineUsersGrain GetOnlineUsersGrain(this IGrainFactory grains) => grains.GetGrain<IOnlineUsersGrain>(IOnlineUsersGrain.Key);

    public static IRoomGrain GetRoomGrain(this IGrainFactory grains, string roomId) => grains.GetGrain<IRoomGrain>(roomId);

    public static ILobbyPlayerGrain GetLobbyPlayerGrain(this IGrainFactory grains, string username) => grains.GetGrain<ILobbyPlayerGrain>(ChatKeys.UserKey(username));

    public static ILobbySessionGrain GetLobbySessionGrain(this IGrainFactory grains, string sessionName) => grains.GetGrain<ILobbySessionGrain>(LobbyLimits.SessionKey(sessionName));
}
