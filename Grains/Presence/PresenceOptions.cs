namespace GrainChat.Grains.Presence;

/// <summary>Bound from <c>GrainChat:Presence</c>.</summary>
public sealed class PresenceOptions
{
    public const string SectionName = "GrainChat:Presence";

    /// <summary>How long a user stays online after their last connection closes.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(10);
}
