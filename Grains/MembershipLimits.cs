namespace GrainChat.Grains;

/// <summary>
/// Caps on what one account can hold, bound from <c>GrainChat:Limits</c> and enforced by the grains that own
/// the data: a room counts its members, a user grain its rooms. Reaching one is a 409 with the cap in the message.
/// </summary>
public sealed class MembershipLimits
{
    public const string SectionName = "GrainChat:Limits";

    /// <summary>Members of one room (direct conversations have two; session rooms are capped by their seats).</summary>
    public int MembersPerRoom { get; set; } = 5_000;

    /// <summary>Rooms one user is a member of at once (those they created included; direct conversations not).</summary>
    public int RoomsPerUser { get; set; } = 200;

    /// <summary>Rooms one user may ever create.</summary>
    public int RoomsCreatedPerUser { get; set; } = 100;
}
