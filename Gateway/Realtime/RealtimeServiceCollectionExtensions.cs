using GrainChat.Gateway.Auth;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

internal static class RealtimeServiceCollectionExtensions
{
    /// <summary>Hard cap of a hub frame at the transport; frames over the 32 KB rule but under this get a HubException instead of a closed connection.</summary>
    private const long TransportFrameCap = 1024 * 1024;

    /// <summary>
    /// How many invocations of one connection may be in flight. Sends overlap up to this many, waiting for their
    /// commits together; <see cref="LiveSessionHubFilter"/> keeps them, and everything else, in the order sent.
    /// A connection over it is not read until one finishes.
    /// </summary>
    private const int InvocationsInFlightPerConnection = 8;

    public static IServiceCollection AddRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConnectionLimitOptions>().Bind(configuration.GetSection(ConnectionLimitOptions.SectionName));
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton(typeof(HubLifetimeManager<>), typeof(BoundedHubLifetimeManager<>));
        services.AddSingleton<StreamHubBridge>();
        services.AddSingleton<LiveSessionHubFilter>();
        services.AddSingleton<ChatHubFilter>();
        services.AddSignalR(options =>
            {
                options.MaximumReceiveMessageSize = TransportFrameCap;
                options.MaximumParallelInvocationsPerClient = InvocationsInFlightPerConnection;
            })
            .AddJsonProtocol(json => json.PayloadSerializerOptions.Converters.Add(new ChatMessageJsonConverter()));

        // The filters as instances: a filter added by type is looked up (or built) and awaited in a wrapper of its own
        // on every invocation.
        services.AddOptions<HubOptions>().Configure<LiveSessionHubFilter, ChatHubFilter>((options, liveSession, chat) =>
        {
            options.AddFilter(liveSession);
            options.AddFilter(chat);
        });

        // Browsers cannot set headers on a WebSocket: the hub takes the token from ?access_token= (SignalR's convention).
        services.Configure<TokenSourceOptions>(sources => sources.QueryStringPaths.Add(ChatHub.Path));
        return services;
    }
}
