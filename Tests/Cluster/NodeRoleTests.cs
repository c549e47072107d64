using System.Globalization;
using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Silo.Activation;
using GrainChat.Tests.Infrastructure;
using GrainChat.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Cluster;

/// <summary>The node roles: grain-only silo process, client-only node, and the settings a cluster refuses.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeRoleTests(PostgresServer server)
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task A_grain_only_silo_process_joins_the_cluster_and_hosts_grains_on_its_silo_port()
    {
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, silos: 1, chatGrains: true);
        var port = FreePorts.Next();
        var settings = cluster.Settings();
        settings["GrainChat:Cluster:SiloPort"] = port.ToString(CultureInfo.InvariantCulture);
        settings["GrainChat:Storage:Provider"] = "Postgres";
        settings["ConnectionStrings:GrainChat"] = database;
        await using var silo = DotnetProgram.Start("GrainChat.Silo.dll", settings!);

        await cluster.WaitForActiveMembersAsync(2);
        var processSilo = TestCluster.Membership(cluster.Silos[0]).View.Members.Single(m => m.Silo.Port == port);
        Assert.Equal("silo", processSilo.Role);
        var username = Enumerable.Range(0, 1000).Select(i => $"hosted{i}")
            .First(name => TestCluster.OwnerOf(cluster.Silos[0], new GrainChat.Runtime.GrainId("user", ChatKeys.UserKey(name))) == processSilo.Silo);
        await cluster.Silos[0].GrainFactory.GetUserGrain(username).RegisterAsync(username, "password1");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var health = JsonDocument.Parse(await http.GetStringAsync("/silo/health")).RootElement;
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("activations").GetInt32() >= 1, silo.Output);
        Assert.DoesNotContain(cluster.Silos[0].Services.GetRequiredService<Catalog>().Activations, a => a.Id.Type == "user" && a.Id.Key == ChatKeys.UserKey(username));
    }

    [PostgresFact]
    public async Task A_client_only_node_hosts_no_grains_and_calls_them_on_the_others()
    {
        await using var cluster = await TestCluster.StartAsync(await server.CreateDatabaseAsync(), silos: 1);
        var client = await cluster.AddSiloAsync(settings => settings["GrainChat:Cluster:HostsGrains"] = "false");
        await cluster.WaitForActiveMembersAsync(2);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GrainFactory.GetGrain<IClusterProbeGrain>($"anywhere-{i}").WhereAsync()));

        Assert.All(answers, silo => Assert.Equal(TestCluster.AddressOf(cluster.Silos[0]).ToString(), silo));
        Assert.Empty(client.Services.GetRequiredService<Catalog>().Activations);
    }

    [Fact]
    public async Task A_silo_process_without_clustering_refuses_to_start_and_says_what_to_set()
    {
        await using var silo = DotnetProgram.Start("GrainChat.Silo.dll", new Dictionary<string, string>());

        await silo.WaitForExitAsync(StartLimit);

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("GrainChat:Cluster:Enabled=true", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_with_clustering_on_sqlite_refuses_to_start_and_says_what_to_set()
    {
        var directory = Directory.CreateTempSubdirectory("grainchat-refused-");
        try
        {
            await using var gateway = DotnetProgram.Start(
                "GrainChat.Gateway.dll",
                new Dictionary<string, string>
                {
                    ["urls"] = $"http://127.0.0.1:{FreePorts.Next()}",
                    ["GrainChat:Cluster:Enabled"] = "true",
                    ["GrainChat:Cluster:Key"] = TestCluster.Key,
                },
                directory.FullName);

            await gateway.WaitForExitAsync(StartLimit);

            Assert.Equal(2, gateway.ExitCode);
            Assert.Contains("GrainChat:Storage:Provider is Sqlite", gateway.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(directory.FullName, "data", "grainchat.db")), "nothing is created before the refusal");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
