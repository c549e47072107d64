using GrainChat.Chat;
using GrainChat.Runtime;

namespace GrainChat.Gateway.Accounts;

/// <summary>Ending a login session, wherever it is asked for (logout, the dashboard's sign-out).</summary>
internal sealed class SessionEnder(IGrainFactory grains)
{
    /// <summary>The session ends (its token stops working, its connections close) and its connections stop counting for presence.</summary>
    public async Task EndAsync(string username, string sessionId)
    {
        await grains.GetUserGrain(username).LogoutAsync(sessionId);
        await grains.GetPresenceGrain(username).SessionEndedAsync(sessionId);
    }
}
