using System.Buffers;

namespace GrainChat.Chat;

/// <summary>The chat's input rules and limits, in one place (docs/API.md lists them for clients).</summary>
public static class ChatLimits
{
    public const int UsernameMinLength = 3;
    public const int UsernameMaxLength = 30;
    public const int PasswordMinLength = 8;
    public const int PasswordMaxLength = 128;
    public const int RoomNameMaxLength = 100;
    public const int MessageMaxLength = 4000;
    public const int ClientMessageIdMaxLength = 100;

    /// <summary>Distinct emoji one message may carry.</summary>
    public const int MaxReactionsPerMessage = 20;

    /// <summary>An emoji is a short sequence (a flag, a family, a skin tone): at most this many UTF-16 units.</summary>
    public const int EmojiMaxLength = 16;

    /// <summary>At most one typing notice per user and room is forwarded within this time.</summary>
    public static readonly TimeSpan TypingInterval = TimeSpan.FromSeconds(2);
    public const int HubFrameMaxBytes = 32 * 1024;

    /// <summary>The data of one hub <c>Message</c> or <c>Broadcast</c>, which goes to every connection.</summary>
    public const int BroadcastMaxBytes = 4 * 1024;

    private static readonly SearchValues<char> UsernameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    // Embedding and override controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI): they can make a name
    // display as another one.
    private static readonly SearchValues<char> BidiControls = SearchValues.Create("\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary>
    /// Text the chat accepts anywhere: no NUL or other control character except tab, line feed and carriage
    /// return, and no unpaired surrogate (UTF-16 that is not Unicode text). PostgreSQL refuses NUL in text, and
    /// storage must take what the chat accepts.
    /// </summary>
    public static bool IsValidText(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || (char.IsControl(c) && c is not ('\t' or '\n' or '\r')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A name (of a room, a session, a clientMessageId): valid text with no control character at all and no bidi override.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name) =>
        IsValidText(name) && name.IndexOfAny(BidiControls) < 0 && !name.ContainsAny('\t', '\n', '\r');

    public static bool IsValidUsername(string? username) =>
        username is { Length: >= UsernameMinLength and <= UsernameMaxLength } && !username.AsSpan().ContainsAnyExcept(UsernameCharacters);

    public static void ValidateUsername(string? username, string field = "username")
    {
        if (!IsValidUsername(username))
        {
            throw ChatException.Invalid($"A username is {UsernameMinLength}–{UsernameMaxLength} characters of A-Z a-z 0-9 _ . -", field);
        }
    }

    public static void ValidatePassword(string? password)
    {
        if (password is null || password.Length is < PasswordMinLength or > PasswordMaxLength)
        {
            throw ChatException.Invalid($"A password is {PasswordMinLength}–{PasswordMaxLength} characters", "password");
        }
    }

    public static string ValidateRoomName(string? roomName) =>
        IsValidRoomName(roomName, out var trimmed) ? trimmed : throw InvalidRoomName();

    /// <summary>Whether the name, trimmed, is 1–<see cref="RoomNameMaxLength"/> characters of valid name text; <paramref name="trimmed"/> is the name to keep.</summary>
    public static bool IsValidRoomName(string? roomName, out string trimmed)
    {
        trimmed = roomName?.Trim() ?? "";
        return trimmed.Length is > 0 and <= RoomNameMaxLength && IsValidName(trimmed);
    }

    public static ChatException InvalidRoomName() =>
        ChatException.Invalid($"A room name is 1–{RoomNameMaxLength} characters, without control or bidi-override characters", "roomName");

    public static void ValidateMessage(string? text, string? clientMessageId)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ChatException.Invalid("A message needs some text", "text");
        }

        if (text.Length > MessageMaxLength)
        {
            throw ChatException.Invalid($"A message is at most {MessageMaxLength} characters (this one has {text.Length})", "text");
        }

        if (!IsValidText(text))
        {
            throw ChatException.Invalid("A message cannot contain NUL, control characters other than tab and line breaks, or unpaired surrogates", "text");
        }

        if (clientMessageId is not null && (clientMessageId.Length is 0 or > ClientMessageIdMaxLength || !IsValidName(clientMessageId)))
        {
            throw ChatException.Invalid($"A clientMessageId is 1–{ClientMessageIdMaxLength} characters, without control characters", "clientMessageId");
        }
    }
}
