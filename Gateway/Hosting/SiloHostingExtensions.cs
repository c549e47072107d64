using GrainChat.Silo.Cluster;
using GrainChat.Silo.Hosting;

namespace GrainChat.Gateway.Hosting;

internal static class SiloHostingExtensions
{
    /// <summary>Co-hosts the grain runtime in the Gateway process, with the chat's grains and their storage.</summary>
    public static TBuilder AddGrainChatSilo<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services
            .AddGrainChatSilo(builder.Configuration)
            .AddChatGrains(builder.Configuration)
            .AddGatewayNodeRole();
        return builder;
    }
}
