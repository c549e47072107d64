using GrainChat.Gateway.Hubs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;

namespace GrainChat.Gateway.Auth;

internal static class AuthExtensions
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    /// <summary>Bearer tokens (header, or <c>access_token</c> in the query for the hub), revocable sessions, persisted keys.</summary>
    public static WebApplicationBuilder AddGrainChatAuth(this WebApplicationBuilder builder)
    {
        var keys = builder.Configuration["GrainChat:DataProtection:KeysDirectory"] ?? Path.Combine("data", "keys");
        builder.Services.AddDataProtection()
            .SetApplicationName("GrainChat")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));

        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(options =>
            {
                options.BearerTokenExpiration = TokenLifetime;
                options.Events = new BearerTokenEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (context.Request.Path.StartsWithSegments(ChatHub.Path) && context.Request.Query["access_token"] is { Count: > 0 } token)
                        {
                            context.Token = token.ToString();
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorization();
        builder.Services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection("GrainChat"));
        builder.Services.AddTransient<IClaimsTransformation, SessionValidation>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, RevokedSessionResultHandler>();
        builder.Services.AddSingleton<TokenIssuer>();
        return builder;
    }
}
