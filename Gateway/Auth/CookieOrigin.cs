namespace GrainChat.Gateway.Auth;

/// <summary>
/// The token cookie is a browser's ambient credential, so another site could make the browser send it (CSRF).
/// A request that changes something (any method but GET, HEAD, OPTIONS) is authenticated by the cookie only when
/// its <c>Origin</c> — or, without one, its <c>Referer</c> — is this site; otherwise it counts as anonymous.
/// </summary>
internal static class CookieOrigin
{
    public static bool IsAcceptable(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return true;
        }

        var claimed = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(claimed) && Uri.TryCreate(request.Headers.Referer.ToString(), UriKind.Absolute, out var referer))
        {
            claimed = referer.GetLeftPart(UriPartial.Authority);
        }

        return string.Equals(claimed, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
