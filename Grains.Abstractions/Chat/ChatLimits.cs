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
    public const int HubFrameMaxBytes = 32 * 1024;

    private static readonly SearchValues<char> UsernameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    public static void ValidateUsername(string? username, string field = "username")
    {
        if (string.IsNullOrEmpty(username) || username.Length is < UsernameMinLength or > UsernameMaxLength || username.AsSpan().ContainsAnyExcept(UsernameCharacters))
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

    /// <summary>Whether the name, trimmed, is 1–<see cref="RoomNameMaxLength"/> characters; <paramref name="trimmed"/> is the name to keep.</summary>
    public static bool IsValidRoomName(string? roomName, out string trimmed)
    {
        trimmed = roomName?.Trim() ?? "";
        return trimmed.Length is > 0 and <= RoomNameMaxLength;
    }

    public static ChatException InvalidRoomName() => ChatException.Invalid($"A room name is 1–{RoomNameMaxLength} characters", "roomName");

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

        if (clientMessageId is { Length: 0 or > ClientMessageIdMaxLength })
        {
            throw ChatException.Invalid($"A clientMessageId is 1–{ClientMessageIdMaxLength} characters", "clientMessageId");
        }
    }
}
