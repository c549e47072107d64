using System.Text.Json.Serialization;

namespace GrainChat.Lobby;

[JsonConverter(typeof(JsonStringEnumConverter<SessionState>))]
public enum SessionState
{
    Pending,
    Active,
    Ended,
}

[JsonConverter(typeof(JsonStringEnumConverter<PlayerState>))]
public enum PlayerState
{
    Idle,
    Waiting,
    Playing,
}

/// <summary>A game session as the API shows it (<c>S</c> in docs/API.md).</summary>
public sealed record LobbySession(
    string Room,
    string Host,
    IReadOnlyList<string> Players,
    int MaxPlayers,
    string? Robot,
    SessionState State,
    DateTimeOffset CreatedAt,
    string RoomId);

/// <summary>Where a user stands in the lobby: state and the session they are in (its key), if any.</summary>
public sealed record LobbyStatus(PlayerState State, string? Session);

public static class LobbyLimits
{
    public const int DefaultMaxPlayers = 4;
    public const int MinPlayers = 2;
    public const int MaxPlayers = 16;
    public const int RobotNameMaxLength = 50;

    /// <summary>Session names are unique case-insensitively; this is their key.</summary>
    public static string SessionKey(string room) => room.Trim().ToLowerInvariant();

    /// <summary>The sender name of a robot's messages; the colon cannot occur in a username, so no person can pose as one.</summary>
    public static string RobotSender(string robot) => $"robot:{robot}";

    public static bool IsRobotSender(string sender) => sender.StartsWith("robot:", StringComparison.Ordinal);
}
