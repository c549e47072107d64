using System.Globalization;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// Gateway processes forming one cluster on one throwaway PostgreSQL server, each with its own data folder (and so
/// its own key folder), as nodes on separate machines would be. Timings are shortened so failures show in seconds.
/// </summary>
public sealed class GatewayCluster : IAsyncLifetime
{
    public const int NodeCount = 3;
    // Three Gateway processes share two cores with the rest of the suite: a node whose heartbeat stalls for
    // DeadAfter is declared dead and rejoins, which fails the calls in flight; 5 s keeps that from happening under
    // the suite's own load while failover still shows in seconds.
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(5);

    private readonly PostgresServer _postgres = new();
    private readonly List<DirectoryInfo> _directories = [];
    private readonly List<GatewayProcess> _nodes = [];
    private string _database = "";

    public IReadOnlyList<GatewayProcess> Nodes => _nodes;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        if (PostgresServer.FindBinaries() is null)
        {
            return;
        }

        try
        {
            await StartNodesAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop the nodes and the server that did start.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartNodesAsync()
    {
        _database = await _postgres.CreateDatabaseAsync();
        var name = $"gw-{Guid.NewGuid():N}";
        // The first node migrates the schema and creates the admin; the others then start together.
        _nodes.Add(await StartNodeAsync(name));
        var others = Enumerable.Range(1, NodeCount - 1).Select(_ => StartNodeAsync(name)).ToArray();
        try
        {
            await Task.WhenAll(others);
        }
        finally
        {
            _nodes.AddRange(others.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        // Every node must see every other as Active before a test starts: while views differ, two nodes can each
        // place a grain on a different owner, and the loser of the resulting write race gets an error.
        foreach (var node in _nodes)
        {
            using var http = node.CreateClient();
            await Eventually.TrueAsync(() => CountActive(http) == NodeCount, TimeSpan.FromSeconds(30), $"{node.Address} sees all nodes of the cluster");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _postgres.DisposeAsync();
        foreach (var directory in _directories)
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<GatewayProcess> StartNodeAsync(string clusterName)
    {
        var directory = Directory.CreateTempSubdirectory("grainchat-node-");
        lock (_directories)
        {
            _directories.Add(directory);
        }

        return await GatewayProcess.StartAsync(directory.FullName, settings: new Dictionary<string, string>
        {
            ["GrainChat:Storage:Provider"] = "Postgres",
            ["ConnectionStrings:GrainChat"] = _database,
            ["GrainChat:Cluster:Enabled"] = "true",
            ["GrainChat:Cluster:Name"] = clusterName,
            ["GrainChat:Cluster:Key"] = TestCluster.Key,
            ["GrainChat:Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["GrainChat:Cluster:HeartbeatInterval"] = "00:00:00.500",
            ["GrainChat:Cluster:DeadAfter"] = DeadAfter.ToString("c", CultureInfo.InvariantCulture),
            ["GrainChat:Presence:GracePeriod"] = "00:00:01",
            ["GrainChat:Admins:0"] = GatewayFactory.AdminName,
            ["GrainChat:Bootstrap:AdminPassword"] = GatewayFactory.AdminPassword,
            ["GrainChat:RateLimit:LoginsPerMinutePerAddress"] = "100000",
            ["GrainChat:RateLimit:RegistrationsPerHourPerAddress"] = "100000",
            ["GrainChat:RateLimit:RoomsCreatedPerHour"] = "100000",
            ["GrainChat:RateLimit:JoinsPerMinute"] = "100000",
        });
    }

    private static int CountActive(HttpClient http)
    {
        try
        {
            var login = http.PostAsync("/api/login", System.Net.Http.Json.JsonContent.Create(new { username = GatewayFactory.AdminName, password = GatewayFactory.AdminPassword })).Result;
            var token = System.Text.Json.JsonDocument.Parse(login.Content.ReadAsStringAsync().Result).RootElement.GetProperty("token").GetString();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/silos");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var silos = System.Text.Json.JsonDocument.Parse(http.SendAsync(request).Result.Content.ReadAsStringAsync().Result).RootElement.GetProperty("silos");
            return silos.EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active");
        }
        catch (Exception exception) when (exception is AggregateException or InvalidOperationException or KeyNotFoundException or System.Text.Json.JsonException)
        {
            return 0;
        }
    }
}
