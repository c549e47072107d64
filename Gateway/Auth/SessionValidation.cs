using System.Security.Claims;
using GrainChat.Chat;
using GrainChat.Runtime;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Auth;

/// <summary>
/// Runs after every token is read: a token whose session was ended by logout authenticates nobody, and a
/// user named in <c>GrainChat:Admins</c> gets the admin role.
/// </summary>
internal sealed class SessionValidation(IGrainFactory grains, IOptionsMonitor<AdminOptions> admins) : IClaimsTransformation
{
    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not { IsAuthenticated: true } || principal.FindFirstValue(ChatClaims.SessionId) is not { } sessionId)
        {
            return principal;
        }

        var username = principal.Username();
        if (!await grains.GetGrain<IUserGrain>(ChatKeys.UserKey(username)).IsSessionActiveAsync(sessionId))
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }

        if (admins.CurrentValue.Admins.Contains(username, ChatKeys.UsernameComparer) && !principal.IsAdmin())
        {
            principal.AddIdentity(new ClaimsIdentity([new Claim(ClaimTypes.Role, ChatClaims.AdminRole)]));
        }

        return principal;
    }
}

/// <summary>Bound from <c>GrainChat</c>: <c>GrainChat:Admins</c> lists the usernames holding the admin role.</summary>
internal sealed class AdminOptions
{
    public string[] Admins { get; set; } = [];
}
