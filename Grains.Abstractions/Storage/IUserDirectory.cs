namespace GrainChat.Storage;

/// <summary>The registered users with when they were last seen: what user lists read. Written by the user and presence grains.</summary>
public interface IUserDirectory
{
    /// <summary>Adds a user; false when the name is taken (case-insensitively).</summary>
    Task<bool> TryAddAsync(string username, DateTimeOffset createdAt);

    Task SetLastSeenAsync(string username, DateTimeOffset lastSeen);

    /// <summary>Every registered user, by name.</summary>
    Task<IReadOnlyList<RegisteredUser>> ListAsync();
}

public sealed record RegisteredUser(string Username, DateTimeOffset? LastSeen);
