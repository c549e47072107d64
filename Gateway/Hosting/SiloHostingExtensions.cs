using GrainChat.Grains;
using GrainChat.Silo.Hosting;

namespace GrainChat.Gateway.Hosting;

internal static class SiloHostingExtensions
{
    /// <summary>Co-hosts the grain runtime in the Gateway process, with the grains of the Grains project.</summary>
    public static WebApplicationBuilder AddGrainChatSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddGrainChatSilo(builder.Configuration, GrainsAssembly.Assembly);
        return builder;
    }
}
