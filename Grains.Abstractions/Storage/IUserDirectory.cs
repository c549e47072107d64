namespace GrainChat.Storage;

/// <summary>The registered users with when they were last seen: what user lists read. Written by the user and presence grains.</summary>
public interface IUserDirectory
{
    /// <summary>Adds a user; false when the name is taken (case-insensitively).</summary>
    Task<bool> TryAddAsync(string username, DateTimeOffset createdAt);

    Task SetLastSeenAsync(string username, DateTimeOffset lastSeen);

    /// <summary>The registered spelling of the name (matched case-insensitively), or null when nobody has it. A query, not a grain call.</summary>
    Task<string?> FindAsync(string username);

    /// <summary>Up to <paramref name="limit"/> registered users by name (case-insensitively), after <paramref name="afterUsername"/> (null: from the start).</summary>
    Task<IReadOnlyList<RegisteredUser>> ListAsync(string? afterUsername, int limit);
}

public sealed record RegisteredUser(string Username, DateTimeOffset? LastSeen);
