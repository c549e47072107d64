using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace GrainChat.Tests.Gateway;

/// <summary>Text the chat does not accept (NUL, other controls, unpaired surrogates, bidi overrides in names) is refused with 400, and nothing is stored.</summary>
public sealed class InvalidTextTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    // Raw JSON, so that the escapes reach the server as written (a client serializer would repair a lone surrogate).
    [Theory]
    [InlineData("nul \\u0000 inside")]
    [InlineData("bell \\u0007")]
    [InlineData("lone \\ud800 surrogate")]
    [InlineData("reversed \\udc00\\ud800 pair")]
    public async Task A_message_with_invalid_text_is_refused_and_nothing_is_stored(string escapedText)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var response = await alice.Http.PostAsync(
            $"/api/rooms/{roomId}/messages", new StringContent($"{{\"text\":\"{escapedText}\"}}", System.Text.Encoding.UTF8, "application/json"));

        await AccountApiTests.AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.Empty(await alice.HistoryAsync(roomId));
    }

    [Fact]
    public async Task Tabs_line_breaks_and_emoji_are_valid_text()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var stored = await alice.PostAsync(roomId, "line one\r\nline\ttwo 😀");

        Assert.Equal("line one\r\nline\ttwo 😀", stored.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_client_message_id_with_a_control_character_is_refused()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();

        var response = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = "hi", clientMessageId = "id\u0000" });

        var problem = await AccountApiTests.AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("clientMessageId", out _));
    }

    [Theory]
    [InlineData("nul\u0000room")]
    [InlineData("two\nlines")]
    [InlineData("\u202Egnp.exe")]
    [InlineData("isolate \u2067x\u2069")]
    public async Task A_room_or_session_name_with_control_or_bidi_override_characters_is_refused(string name)
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        var room = await alice.Http.PostAsJsonAsync("/api/rooms", new { roomName = name });
        var session = await alice.Http.PostAsJsonAsync("/api/lobby", new { type = "host", room = name });

        await AccountApiTests.AssertProblem(room, HttpStatusCode.BadRequest);
        await AccountApiTests.AssertProblem(session, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_login_name_with_a_nul_gets_the_ordinary_401()
    {
        var response = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username = "ab\u0000cd", password = "long enough" });

        await AccountApiTests.AssertProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Invalid_text_over_the_hub_gets_a_hub_exception_and_the_connection_stays()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        var hub = await alice.ConnectAsync();

        var badText = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", roomId, "a\u0000b", null));
        var badRoom = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SendMessage", "room\u0000", "hi", null));

        Assert.Contains("NUL", badText.Message, StringComparison.Ordinal);
        Assert.Contains("roomId", badRoom.Message, StringComparison.Ordinal);
        Assert.Equal("hi", (await hub.InvokeAsync<JsonElement>("SendMessage", roomId, "hi", null)).GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_line_break_in_a_path_cannot_forge_a_log_line()
    {
        await using var alice = await ChatClient.RegisterAsync(gateway);

        var response = await alice.Http.PostAsync("/api/rooms/x%0Afail:%20Forged%20entry/join", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var rejected = gateway.Logs.Lines.Where(l => l.Contains("Forged entry", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, line => Assert.DoesNotContain('\n', line));
    }
}
