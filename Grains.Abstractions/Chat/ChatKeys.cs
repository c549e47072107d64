namespace GrainChat.Chat;

/// <summary>How chat names become keys: of user grains and streams, of direct conversations.</summary>
public static class ChatKeys
{
    /// <summary>Usernames are unique case-insensitively; this is the form they are keyed by.</summary>
    public static string UserKey(string username) => username.ToLowerInvariant();

    /// <summary>Compares usernames as the chat does: two spellings that differ only in letter case are one user.</summary>
    public static StringComparer UsernameComparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>Whether two spellings name the same user.</summary>
    public static bool SameUser(string a, string b) => UsernameComparer.Equals(a, b);

    /// <summary>The room id of the direct conversation between two users (the same whichever of them asks).</summary>
    public static string DirectRoomId(string userA, string userB)
    {
        var (a, b) = (UserKey(userA), UserKey(userB));
        return string.CompareOrdinal(a, b) <= 0 ? $"dm:{a}:{b}" : $"dm:{b}:{a}";
    }
}
