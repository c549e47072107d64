namespace GrainChat.Gateway.Auth;

/// <summary>A page served instead of the bare 401 / 403 on the paths it claims (a sign-in form, say). Registered by the feature that owns the page.</summary>
internal interface IAuthorizationFailurePage
{
    bool Serves(PathString path);

    Task WriteAsync(HttpContext context, int status);
}
