namespace GrainChat.Chat;

public enum ChatErrorCode
{
    /// <summary>400: the input breaks a rule (length, characters, range).</summary>
    Invalid,

    /// <summary>403: not a member, not the host, not an admin.</summary>
    Forbidden,

    /// <summary>404: no such room, user or session.</summary>
    NotFound,

    /// <summary>409: name taken, session full, already started.</summary>
    Conflict,

    /// <summary>409: the user is already in another lobby session (random join moves on past other conflicts, not this one).</summary>
    AlreadyInSession,
}

/// <summary>A rule of the chat was broken; the Gateway turns it into ProblemDetails or a HubException.</summary>
public sealed class ChatException : Exception
{
    public ChatException(ChatErrorCode code, string message, string? field = null)
        : base(message)
    {
        Code = code;
        Field = field;
    }

    public ChatException()
    {
    }

    public ChatException(string message) : base(message)
    {
    }

    public ChatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ChatErrorCode Code { get; } = ChatErrorCode.Invalid;

    /// <summary>The request field at fault, when one is.</summary>
    public string? Field { get; }

    public static ChatException NotFound(string message) => new(ChatErrorCode.NotFound, message);

    public static ChatException Forbidden(string message) => new(ChatErrorCode.Forbidden, message);

    public static ChatException Conflict(string message, string? field = null) => new(ChatErrorCode.Conflict, message, field);

    public static ChatException Invalid(string message, string field) => new(ChatErrorCode.Invalid, message, field);
}
