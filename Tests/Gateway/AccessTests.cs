using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Gateway.Accounts;
using GrainChat.Silo.Telemetry;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Gateway;

/// <summary>Who may see what: private rooms, made-up names.</summary>
public sealed class AccessTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task A_direct_conversation_is_not_found_for_anyone_but_its_two_users()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        await using var bob = await ChatClient.RegisterAsync(gateway);
        await using var eve = await ChatClient.RegisterAsync(gateway);
        var sent = await (await alice.Http.PostAsJsonAsync($"/api/dm/{bob.Username}/messages", new { text = "psst" })).Content.ReadFromJsonAsync<JsonElement>();
        var roomId = Uri.EscapeDataString(sent.GetProperty("roomId").GetString()!);

        var forEve = await eve.Http.GetAsync($"/api/rooms/{roomId}");
        var forBob = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}");

        await AccountApiTests.AssertProblem(forEve, HttpStatusCode.NotFound);
        Assert.Equal(2, forBob.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task A_sessions_chat_room_is_not_found_for_anyone_but_its_players()
    {
        await using var host = await ChatClient.RegisterAsync(gateway);
        await using var stranger = await ChatClient.RegisterAsync(gateway);
        var answer = await (await host.Http.PostAsJsonAsync("/api/lobby", new { type = "host", room = ChatClient.UniqueName("s") })).Content.ReadFromJsonAsync<JsonElement>();
        var roomId = answer.GetProperty("data").GetProperty("session").GetProperty("roomId").GetString();

        await AccountApiTests.AssertProblem(await stranger.Http.GetAsync($"/api/rooms/{roomId}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/rooms/{roomId}")).StatusCode);
    }

    [Fact]
    public async Task Direct_messages_to_made_up_names_are_404_and_leave_no_user_grain_activated()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var statistics = gateway.Services.GetRequiredService<SiloStatistics>();
        var before = UserActivations(statistics);

        for (var i = 0; i < 20; i++)
        {
            var response = await alice.Http.PostAsJsonAsync($"/api/dm/{ChatClient.UniqueName("ghost")}/messages", new { text = "hello?" });
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(before, UserActivations(statistics));
    }

    private static int UserActivations(SiloStatistics statistics) => statistics.ActivationsByType().GetValueOrDefault("user");
}

/// <summary><c>create-admin NAME</c>, with the password on standard input, against the storage a Gateway then uses.</summary>
public sealed class CreateAdminCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-admin-");

    [Fact]
    public async Task Create_admin_makes_an_account_that_signs_in_as_an_admin()
    {
        var database = Path.Combine(_directory.FullName, "grainchat.db");
        var output = new StringWriter();

        var exit = await CreateAdminCommand.RunAsync(
            ["create-admin", "opsadmin", $"--ConnectionStrings:GrainChat=Data Source={database}", "--GrainChat:Admins:0=opsadmin"],
            new StringReader("a long secret\n"),
            output);

        Assert.Equal(0, exit);
        await using var gateway = new DatabaseGatewayFactory(database, "opsadmin");
        var admin = await ChatClient.LoginAsync(gateway, "opsadmin", "a long secret");
        Assert.True((await admin.Http.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task Create_admin_refuses_a_name_that_is_not_configured_as_an_admin()
    {
        var output = new StringWriter();

        var exit = await CreateAdminCommand.RunAsync(
            ["create-admin", "someone", $"--ConnectionStrings:GrainChat=Data Source={Path.Combine(_directory.FullName, "x.db")}"],
            new StringReader("a long secret\n"),
            output);

        Assert.Equal(1, exit);
        Assert.Contains("GrainChat:Admins", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private sealed class DatabaseGatewayFactory(string database, string admin) : GatewayFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["ConnectionStrings:GrainChat"] = $"Data Source={database}",
            ["GrainChat:Admins:0"] = admin,
        };
    }
}
