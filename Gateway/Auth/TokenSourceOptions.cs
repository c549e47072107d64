namespace GrainChat.Gateway.Auth;

/// <summary>
/// Where a bearer token may come from besides the <c>Authorization</c> header. Features add their paths:
/// the hub reads <c>access_token</c> from the query string (the SignalR convention for WebSockets), and the
/// operators' pages are reached with the HttpOnly token cookie, which is honoured nowhere else.
/// </summary>
internal sealed class TokenSourceOptions
{
    /// <summary>Paths (and everything under them) where <c>?access_token=</c> is read.</summary>
    public List<string> QueryStringPaths { get; } = [];

    /// <summary>Paths where the <see cref="ChatClaims.TokenCookie"/> cookie is read when there is no header.</summary>
    public List<string> CookiePaths { get; } = [];
}
