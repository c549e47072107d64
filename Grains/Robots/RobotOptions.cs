namespace GrainChat.Grains.Robots;

/// <summary>Bound from <c>GrainChat:Robots</c>: where robots other than <c>echo</c> get their answers.</summary>
public sealed class RobotOptions
{
    public const string SectionName = "GrainChat:Robots";
    public const string HttpClientName = "robots";

    /// <summary>An OpenAI-compatible chat-completions URL, e.g. <c>http://localhost:8080/v1/chat/completions</c>.</summary>
    public string? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>The model names a host may choose as a robot besides <c>echo</c>; they are sent with the operator's key.</summary>
    public string[] Models { get; set; } = [];

    /// <summary>How long a robot may take to answer before the room gets a notice instead.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Recent room messages sent along as context.</summary>
    public int HistoryMessages { get; set; } = 10;
}
