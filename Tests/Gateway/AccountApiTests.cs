using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

public sealed class AccountApiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Registering_answers_201_with_the_user_and_a_token()
    {
        var username = ChatClient.UniqueName();

        var response = await gateway.CreateClient().PostAsJsonAsync("/api/register", new { username, password = "long enough" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(username, body.GetProperty("user").GetProperty("username").GetString());
        Assert.True(body.GetProperty("user").TryGetProperty("createdAt", out _));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("token").GetString()));
    }

    [Fact]
    public async Task A_username_taken_in_another_letter_case_answers_409()
    {
        var username = ChatClient.UniqueName("Case");
        await ChatClient.RegisterAsync(gateway, username);

        var response = await gateway.CreateClient().PostAsJsonAsync("/api/register", new { username = username.ToUpperInvariant(), password = "long enough" });

        await AssertProblem(response, HttpStatusCode.Conflict, "already taken");
    }

    [Theory]
    [InlineData("ab", "long enough", "username")]
    [InlineData("has space", "long enough", "username")]
    [InlineData("thirty-one-characters-long-name", "long enough", "username")]
    [InlineData("valid_name", "short", "password")]
    [InlineData(null, "long enough", "username")]
    public async Task Invalid_registrations_answer_400_naming_the_field(string? username, string password, string field)
    {
        var response = await gateway.CreateClient().PostAsJsonAsync("/api/register", new { username, password });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("{\"username\":\"abc")]
    [InlineData("{\"username\":42,\"password\":\"long enough\"}")]
    [InlineData("not json at all")]
    public async Task Unreadable_bodies_answer_400_saying_what_was_wrong(string body)
    {
        var response = await gateway.CreateClient().PostAsync("/api/register", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logging_in_answers_success_with_a_token_and_the_user()
    {
        var username = ChatClient.UniqueName();
        await ChatClient.RegisterAsync(gateway, username, "the password");

        var response = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username = username.ToUpperInvariant(), password = "the password" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("success", body.GetProperty("status").GetString());
        Assert.Equal(username, body.GetProperty("user").GetProperty("username").GetString());
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_401()
    {
        var username = ChatClient.UniqueName();
        await ChatClient.RegisterAsync(gateway, username, "the password");

        var wrongPassword = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username, password = "not the password" });
        var unknownUser = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username = ChatClient.UniqueName(), password = "the password" });

        var first = await AssertProblem(wrongPassword, HttpStatusCode.Unauthorized);
        var second = await AssertProblem(unknownUser, HttpStatusCode.Unauthorized);
        Assert.Equal(first.GetProperty("detail").GetString(), second.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Me_describes_the_user_with_rooms_admin_flag_and_lobby_state()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var me = await alice.Http.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal(alice.Username, me.GetProperty("username").GetString());
        Assert.False(me.GetProperty("isAdmin").GetBoolean());
        Assert.Equal([roomId], me.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("Idle", me.GetProperty("lobby").GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_admin_created_at_startup_from_the_bootstrap_password_is_an_admin()
    {
        await using var root = await ChatClient.AdminAsync(gateway);

        var me = await root.Http.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.True(me.GetProperty("isAdmin").GetBoolean());
    }

    [Theory]
    [InlineData("root")]
    [InlineData("ROOT")]
    public async Task Registering_an_admin_name_is_refused_and_grants_nothing(string username)
    {
        var response = await gateway.CreateClient().PostAsJsonAsync("/api/register", new { username, password = "attacker's choice" });

        await AssertProblem(response, HttpStatusCode.Forbidden, "reserved");
        var login = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username, password = "attacker's choice" });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    [Theory]
    [InlineData("/api/me")]
    [InlineData("/api/users")]
    [InlineData("/api/users/online")]
    [InlineData("/api/rooms")]
    [InlineData("/api/dm")]
    [InlineData("/api/metrics")]
    public async Task Routes_answer_401_without_a_token(string route)
    {
        var response = await gateway.CreateClient().GetAsync(route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_made_up_token_answers_401()
    {
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "CfDJ8not-a-real-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task After_logout_the_token_answers_401_everywhere_at_once()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        var logout = await alice.Http.PostAsync("/api/logout", null);

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.Http.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.Http.GetAsync("/api/rooms")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.Http.PostAsync("/api/logout", null)).StatusCode);
    }

    [Fact]
    public async Task Logging_out_one_session_leaves_the_users_other_sessions_working()
    {
        var username = ChatClient.UniqueName();
        await using var first = await ChatClient.RegisterAsync(gateway, username, "the password");
        var login = await (await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username, password = "the password" })).Content.ReadFromJsonAsync<JsonElement>();
        var second = gateway.CreateClient();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("token").GetString());

        await first.Http.PostAsync("/api/logout", null);

        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/me")).StatusCode);
    }

    internal static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        return problem;
    }
}
