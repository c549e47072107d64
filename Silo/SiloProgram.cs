using GrainChat.Silo.Cluster;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Hosting;

namespace GrainChat.Silo;

/// <summary>
/// <c>dotnet run --project Silo</c>: a grain-only node that joins a GrainChat cluster. It serves no public HTTP;
/// its silo port carries silo traffic and answers <c>/silo/health</c>. Configuration as for the Gateway
/// (appsettings, <c>GrainChat__Cluster__Key</c>-style environment variables, <c>--GrainChat:Cluster:SiloPort 11112</c>).
/// </summary>
internal static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        if (!builder.Configuration.IsClusterEnabled())
        {
            await Console.Error.WriteLineAsync(
                "A grain-only silo serves a cluster: set GrainChat:Cluster:Enabled=true, GrainChat:Cluster:Key, " +
                "GrainChat:Storage:Provider=Postgres and ConnectionStrings:GrainChat (see README, \"Running a cluster\"). " +
                "For a single node, run the Gateway instead: dotnet run --project Gateway").ConfigureAwait(false);
            return 2;
        }

        try
        {
            builder.Services.AddGrainChatSilo(builder.Configuration).AddChatGrains(builder.Configuration);
        }
        catch (ClusterConfigurationException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return 2;
        }

        await builder.Build().RunAsync().ConfigureAwait(false);
        return 0;
    }
}
