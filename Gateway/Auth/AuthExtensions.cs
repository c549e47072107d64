using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using GrainChat.Silo.Cluster;
using Microsoft.AspNetCore.DataProtection;

namespace GrainChat.Gateway.Auth;

internal static class AuthExtensions
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    /// <summary>Bearer tokens (header, or <c>access_token</c> in the query for the hub), revocable sessions, persisted keys.</summary>
    public static WebApplicationBuilder AddGrainChatAuth(this WebApplicationBuilder builder)
    {
        // A cluster keeps its key ring in PostgreSQL (the cluster registers it), so a token from any node works on every node.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("GrainChat");
        if (!builder.Configuration.IsClusterEnabled())
        {
            var keys = builder.Configuration["GrainChat:DataProtection:KeysDirectory"] ?? Path.Combine("data", "keys");
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(options =>
            {
                options.BearerTokenExpiration = TokenLifetime;
                options.Events = new BearerTokenEvents
                {
                    OnMessageReceived = context =>
                    {
                        var request = context.Request;
                        var sources = context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<TokenSourceOptions>>().Value;
                        if (Under(request.Path, sources.QueryStringPaths) && request.Query["access_token"] is { Count: > 0 } token)
                        {
                            context.Token = token.ToString();
                        }
                        else if (request.Headers.Authorization.Count == 0 && request.Cookies.TryGetValue(ChatClaims.TokenCookie, out var cookie)
                            && Under(request.Path, sources.CookiePaths) && CookieOrigin.IsAcceptable(request))
                        {
                            context.Token = cookie;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ChatClaims.AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(ChatClaims.AdminRole));
        builder.Services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection("GrainChat"));
        builder.Services.AddTransient<IClaimsTransformation, SessionValidation>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ChatAuthorizationResultHandler>();
        builder.Services.AddSingleton<TokenIssuer>();
        return builder;
    }

    private static bool Under(PathString path, List<string> prefixes) => prefixes.Exists(prefix => path.StartsWithSegments(prefix));
}
