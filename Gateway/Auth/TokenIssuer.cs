using System.Security.Claims;
using GrainChat.Chat;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Auth;

/// <summary>
/// Issues the opaque bearer tokens of ASP.NET Core's bearer-token handler (data-protected, so they survive a
/// restart once the keys are persisted). Each token names its session; logout ends the session.
/// </summary>
internal sealed class TokenIssuer(IOptionsMonitor<BearerTokenOptions> options, TimeProvider time)
{
    public string Issue(UserSession session)
    {
        var bearer = options.Get(BearerTokenDefaults.AuthenticationScheme);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, session.Username), new Claim(ChatClaims.SessionId, session.SessionId)],
            BearerTokenDefaults.AuthenticationScheme);
        var now = time.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + bearer.BearerTokenExpiration };
        return bearer.BearerTokenProtector.Protect(new AuthenticationTicket(new ClaimsPrincipal(identity), properties, BearerTokenDefaults.AuthenticationScheme));
    }
}
