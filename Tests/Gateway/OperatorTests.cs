using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

public sealed partial class OperatorTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    public static TheoryData<string, string> OperatorRoutes => new()
    {
        { "GET", "/api/admin/connections" },
        { "GET", "/api/admin/logs" },
        { "POST", "/api/admin/logs/clear" },
        { "POST", "/api/admin/disconnect/no-such-connection" },
        { "GET", "/api/admin/grains" },
        { "GET", "/api/admin/silo" },
        { "GET", "/metrics" },
        { "GET", "/dashboard" },
    };

    [Theory]
    [MemberData(nameof(OperatorRoutes))]
    public async Task Operator_routes_answer_401_to_anonymous_callers(string method, string route)
    {
        var response = await gateway.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), route));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(OperatorRoutes))]
    public async Task Operator_routes_answer_403_to_users_who_are_not_admins(string method, string route)
    {
        await using var user = await ChatClient.RegisterAsync(gateway);

        var response = await user.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), route));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(OperatorRoutes))]
    public async Task Operator_routes_answer_admins(string method, string route)
    {
        await using var admin = await Admin();

        var response = await admin.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), route));

        var expected = route.Contains("no-such-connection", StringComparison.Ordinal) ? HttpStatusCode.NotFound : HttpStatusCode.OK;
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_shows_anonymous_visitors_a_sign_in_form_not_the_dashboard()
    {
        var response = await gateway.CreateClient().GetAsync("/dashboard");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("id=\"signin\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"connections\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_to_the_dashboard_sets_a_cookie_that_opens_the_page_and_the_admin_api()
    {
        await using var admin = await Admin();
        var session = await admin.Http.PostAsync("/dashboard/session", null);
        var cookie = session.Headers.GetValues("Set-Cookie").Single();
        var browser = gateway.CreateClient();
        browser.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);

        var page = await browser.GetAsync("/dashboard");
        var grains = await browser.GetAsync("/api/admin/grains");
        var notOperatorRoute = await browser.GetAsync("/api/me");

        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("id=\"connections\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, grains.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, notOperatorRoute.StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData(null)]
    public async Task A_state_change_carried_by_the_cookie_alone_from_another_site_is_refused(string? origin)
    {
        var browser = await DashboardBrowserAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/logs/clear");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_state_change_with_the_cookie_from_the_dashboards_own_origin_is_accepted()
    {
        var browser = await DashboardBrowserAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/logs/clear");
        request.Headers.Add("Origin", gateway.ServerAddress.GetLeftPart(UriPartial.Authority));

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Signing_out_of_the_dashboard_ends_the_cookies_session()
    {
        await using var admin = await Admin();
        var browser = await DashboardBrowserAsync(admin);
        var signOut = new HttpRequestMessage(HttpMethod.Post, "/dashboard/signout");
        signOut.Headers.Add("Origin", gateway.ServerAddress.GetLeftPart(UriPartial.Authority));

        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(signOut)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/admin/grains")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Http.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Behind_an_https_proxy_the_dashboard_cookie_is_secure()
    {
        await using var admin = await Admin();
        var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/session");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var cookie = (await admin.Http.SendAsync(request)).Headers.GetValues("Set-Cookie").Single();

        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A client holding only the dashboard cookie, as a browser would.</summary>
    private async Task<HttpClient> DashboardBrowserAsync(ChatClient? admin = null)
    {
        admin ??= await Admin();
        var cookie = (await admin.Http.PostAsync("/dashboard/session", null)).Headers.GetValues("Set-Cookie").Single();
        var browser = gateway.CreateClient();
        browser.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        return browser;
    }

    [Fact]
    public async Task Admins_see_connections_arrive_and_a_disconnect_really_closes_the_connection()
    {
        await using var admin = await Admin();
        await admin.ConnectAsync();
        await using var user = await ChatClient.RegisterAsync(gateway);
        var userHub = await user.ConnectAsync();
        var closed = new TaskCompletionSource();
        userHub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        var connectionId = (await userHub.InvokeAsync<JsonElement>("Ping")).GetProperty("connectionId").GetString();

        var arrived = await admin.WaitForEventAsync("admin:connection", e => e.GetProperty("connectionId").GetString() == connectionId);
        var listed = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/connections?user={user.Username}");
        var disconnect = await admin.Http.PostAsync($"/api/admin/disconnect/{connectionId}", null);

        Assert.Equal(user.Username, arrived.Payload.GetProperty("username").GetString());
        Assert.Equal(connectionId, listed.GetProperty("connections")[0].GetProperty("connectionId").GetString());
        Assert.Equal("disconnected", (await disconnect.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await closed.Task.WaitAsync(ChatClient.WaitLimit);
        await admin.WaitForEventAsync("admin:disconnection", e => e.GetProperty("connectionId").GetString() == connectionId);
        var after = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/connections?user={user.Username}");
        Assert.Equal(0, after.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Connections_are_paged_with_the_total_count()
    {
        await using var admin = await Admin();
        await using var user = await ChatClient.RegisterAsync(gateway);
        for (var i = 0; i < 5; i++)
        {
            await user.ConnectAsync();
        }

        await Eventually.TrueAsync(() => admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/connections?user={user.Username}").Result.GetProperty("count").GetInt32() == 5, ChatClient.WaitLimit);
        var page = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/connections?user={user.Username}&offset=3&limit=2");

        Assert.Equal(5, page.GetProperty("count").GetInt32());
        Assert.Equal(2, page.GetProperty("connections").GetArrayLength());
    }

    [Fact]
    public async Task The_traffic_log_records_messages_live_keeps_a_bounded_truncated_copy_and_clears()
    {
        await using var admin = await Admin();
        await admin.ConnectAsync();
        await using var user = await ChatClient.RegisterAsync(gateway);
        var roomId = await user.CreateRoomAsync();
        var longText = new string('y', 3000);

        await user.PostAsync(roomId, longText);
        var live = await admin.WaitForEventAsync("admin:message", e => e.GetProperty("room").GetString() == roomId);
        var logged = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/admin/logs?room={roomId}");

        Assert.Equal("room-message", live.Payload.GetProperty("event").GetString());
        var entry = Assert.Single(logged.GetProperty("logs").EnumerateArray());
        Assert.Equal(user.Username, entry.GetProperty("from").GetString());
        Assert.True(entry.GetProperty("data").GetString()!.Length <= 501);

        for (var i = 0; i < 1100; i++)
        {
            await user.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = $"flood {i}" });
        }

        var all = await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/logs");
        Assert.Equal(1000, all.GetProperty("count").GetInt32());
        Assert.Equal("flood 1099", all.GetProperty("logs")[999].GetProperty("data").GetString());

        var cleared = await admin.Http.PostAsync("/api/admin/logs/clear", null);
        Assert.Equal("cleared", (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(0, (await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/logs")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task The_grains_report_counts_the_calls_made()
    {
        await using var admin = await Admin();
        await using var user = await ChatClient.RegisterAsync(gateway);
        var roomId = await user.CreateRoomAsync();
        var before = PostCalls(await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/grains"));

        for (var i = 0; i < 7; i++)
        {
            await user.PostAsync(roomId, $"call {i}");
        }

        var report = await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/grains");
        Assert.True(PostCalls(report) >= before + 7);
        var room = report.GetProperty("grainTypes").EnumerateArray().Single(t => t.GetProperty("grainType").GetString() == "room");
        Assert.True(room.GetProperty("activations").GetInt32() >= 1);
        var post = room.GetProperty("methods").EnumerateArray().Single(m => m.GetProperty("method").GetString() == "PostAsync");
        Assert.True(post.GetProperty("p99Milliseconds").GetDouble() >= post.GetProperty("meanMilliseconds").GetDouble());
    }

    [Fact]
    public async Task The_silo_report_describes_the_process_and_storage()
    {
        await using var admin = await Admin();

        var silo = await admin.Http.GetFromJsonAsync<JsonElement>("/api/admin/silo");

        Assert.True(silo.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(silo.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.Equal("Sqlite", silo.GetProperty("storageProvider").GetString());
        Assert.Equal("Healthy", silo.GetProperty("storageHealth").GetString());
        Assert.True(silo.TryGetProperty("gen2Collections", out _));
        Assert.True(silo.TryGetProperty("streamSubscriptions", out _));
    }

    [Fact]
    public async Task Metrics_are_exported_as_prometheus_text_with_the_named_series()
    {
        await using var admin = await Admin();
        var roomId = await admin.CreateRoomAsync();
        await admin.PostAsync(roomId, "measured");
        await admin.ConnectAsync();

        var response = await admin.Http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Matches(PrometheusLine(), line);
        }

        Assert.Matches(@"grainchat_silo_grain_calls_total\{grain_type=""room"",grain_method=""PostAsync""\} [1-9]", text);
        Assert.Contains("grainchat_silo_activations{grain_type=\"room\"}", text, StringComparison.Ordinal);
        Assert.Contains("grainchat_gateway_messages_in_total", text, StringComparison.Ordinal);
        Assert.Contains("grainchat_gateway_connections", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE grainchat_silo_grain_call_duration_milliseconds summary", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_export_the_delivery_paths_waits_and_the_runtimes_own_counters()
    {
        await using var admin = await Admin();
        var roomId = await admin.CreateRoomAsync();
        await admin.ConnectAsync();
        await admin.PostAsync(roomId, "timed on its way");
        await admin.WaitForEventAsync("MessageReceived", e => e.GetProperty("text").GetString() == "timed on its way");

        var text = await admin.Http.GetStringAsync("/metrics");

        Assert.Matches(@"(?m)^grainchat_silo_message_log_write_lock_wait_count [1-9]", text);
        Assert.Matches(@"(?m)^grainchat_silo_scheduled_turn_wait_count [1-9]", text);
        Assert.Matches(@"(?m)^grainchat_silo_stream_delivery_wait_count [1-9]", text);
        Assert.Matches(@"(?m)^dotnet_thread_pool_thread_count(_total)? [1-9]", text);
    }

    [GeneratedRegex("""^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? -?[0-9.e+]+|[a-zA-Z_:][a-zA-Z0-9_:]*\{.*\} \+?Inf)$""")]
    private static partial Regex PrometheusLine();

    private static long PostCalls(JsonElement report) =>
        report.GetProperty("grainTypes").EnumerateArray()
            .Where(t => t.GetProperty("grainType").GetString() == "room")
            .SelectMany(t => t.GetProperty("methods").EnumerateArray())
            .Where(m => m.GetProperty("method").GetString() == "PostAsync")
            .Sum(m => m.GetProperty("calls").GetInt64());

    private Task<ChatClient> Admin() => ChatClient.AdminAsync(gateway);
}
