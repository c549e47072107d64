using GrainChat.Gateway.Accounts;
using GrainChat.Gateway.Activity;
using GrainChat.Gateway.DirectMessages;
using GrainChat.Gateway.Limits;
using GrainChat.Gateway.Lobby;
using GrainChat.Gateway.Messages;
using GrainChat.Gateway.Metrics;
using GrainChat.Gateway.Presence;
using GrainChat.Gateway.Realtime;
using GrainChat.Gateway.Rooms;
using GrainChat.Gateway.Search;

namespace GrainChat.Gateway.Hosting;

internal static class GatewayServiceCollectionExtensions
{
    /// <summary>The chat features: accounts, rooms, messages, direct messages, presence, lobby, metrics and the hub.</summary>
    public static WebApplicationBuilder AddChatFeatures(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ChatActivity>();
        services.AddOptions<BootstrapOptions>().Bind(builder.Configuration.GetSection(BootstrapOptions.SectionName));
        services.AddSingleton<AdminBootstrap>();
        services.AddSingleton<SessionEnder>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminBootstrap>());
        services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName));
        services.AddSingleton<ChatRateLimits>();
        services.AddSingleton<LoginAddresses>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<SearchService>();
        services.AddSingleton<TypingThrottle>();
        services.AddSingleton<DirectMessageService>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<ChatTraffic>();
        services.AddSingleton<IChatActivityObserver>(sp => sp.GetRequiredService<ChatTraffic>());
        services.AddLobby();
        services.AddRealtime(builder.Configuration);
        return builder;
    }

    public static IEndpointRouteBuilder MapChatFeatures(this IEndpointRouteBuilder app)
    {
        app.MapApiRoot();
        app.MapAccountEndpoints();
        app.MapUserEndpoints();
        app.MapRoomEndpoints();
        app.MapMessageEndpoints();
        app.MapSearchEndpoints();
        app.MapDirectMessageEndpoints();
        app.MapMetricsEndpoints();
        app.MapLobbyEndpoints();
        app.MapHub<ChatHub>(ChatHub.Path);
        return app;
    }
}
