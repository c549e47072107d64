using GrainChat.Gateway.Chat;
using GrainChat.Gateway.Endpoints;
using GrainChat.Gateway.Hubs;
using GrainChat.Gateway.Lobby;
using GrainChat.Gateway.Metrics;
using GrainChat.Grains;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Hosting;

internal static class ChatHostingExtensions
{
    /// <summary>Hard cap of a hub frame at the transport; frames over the 32 KB rule but under this get a HubException instead of a closed connection.</summary>
    private const long TransportFrameCap = 1024 * 1024;

    public static WebApplicationBuilder AddGrainChatChat(this WebApplicationBuilder builder)
    {
        builder.Services.AddChatGrainServices(builder.Configuration);
        builder.Services.AddOptions<SendRateOptions>().Bind(builder.Configuration.GetSection(SendRateOptions.SectionName));
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.Services.AddSingleton<ChatService>();
        builder.Services.AddSingleton<ChatTraffic>();
        builder.Services.AddSingleton<ConnectionRegistry>();
        builder.Services.AddSingleton<StreamHubBridge>();
        builder.Services.AddSingleton<LobbyService>();
        builder.Services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = TransportFrameCap;
            options.AddFilter<ChatHubFilter>();
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapGrainChatChat(this IEndpointRouteBuilder app)
    {
        app.MapAccountEndpoints();
        app.MapUserEndpoints();
        app.MapRoomEndpoints();
        app.MapDirectMessageEndpoints();
        app.MapMetricsEndpoints();
        app.MapLobbyEndpoints();
        app.MapHub<ChatHub>(ChatHub.Path);
        return app;
    }
}
