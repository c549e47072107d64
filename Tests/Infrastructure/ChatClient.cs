using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Infrastructure;

/// <summary>A registered user of a test Gateway: an authenticated HttpClient and, on demand, real hub connections.</summary>
public sealed class ChatClient : IAsyncDisposable
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    private static readonly string[] HubEvents =
        ["MessageReceived", "DirectMessageReceived", "UserJoined", "UserLeft", "PresenceChanged", "Message", "Broadcast",
         "MessageEdited", "MessageDeleted", "ReactionsChanged", "UserTyping", "ReadMarkerChanged", "Mentioned",
         "LobbySessionUpdated", "admin:connection", "admin:disconnection", "admin:message", "admin:stats"];

    private readonly IGatewayEndpoint _gateway;
    private readonly List<HubConnection> _connections = [];

    private ChatClient(IGatewayEndpoint gateway, string username, string token)
    {
        _gateway = gateway;
        Username = username;
        Token = token;
        Http = gateway.CreateClient();
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string Username { get; }

    public string Token { get; }

    public HttpClient Http { get; }

    /// <summary>Every hub event any of this user's connections received, in arrival order.</summary>
    public ConcurrentQueue<HubEvent> Events { get; } = new();

    public static string UniqueName(string prefix = "u") => $"{prefix}{Guid.NewGuid():N}"[..20];

    public static async Task<ChatClient> RegisterAsync(IGatewayEndpoint gateway, string? username = null, string password = "correct horse")
    {
        username ??= UniqueName();

        // Each test user registers from an address of its own, as real users do, so per-address limits never
        // mix unrelated tests.
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/register") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add("X-Forwarded-For", $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}");
        var response = await gateway.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new ChatClient(gateway, username, body.GetProperty("token").GetString()!);
    }

    public static async Task<ChatClient> LoginAsync(IGatewayEndpoint gateway, string username, string password)
    {
        var response = await gateway.CreateClient().PostAsJsonAsync("/api/login", new { username, password });
        Assert.True(response.IsSuccessStatusCode, $"Could not log in {username}: {response.StatusCode}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new ChatClient(gateway, username, body.GetProperty("token").GetString()!);
    }

    /// <summary>The admin the test Gateway created at startup.</summary>
    public static Task<ChatClient> AdminAsync(IGatewayEndpoint gateway) =>
        LoginAsync(gateway, GatewayFactory.AdminName, GatewayFactory.AdminPassword);

    /// <summary>The same user, with the same token, talking to another Gateway node.</summary>
    public ChatClient On(IGatewayEndpoint gateway) => new(gateway, Username, Token);

    /// <summary>
    /// Connects and, unless told not to, waits until the connection follows its user and rooms: a hub call is
    /// answered only after the connection's start-up has finished, so events sent from then on reach it. Without
    /// that wait a message posted right after the handshake can go out before the connection has joined its room.
    /// A connection the server refuses during that start-up (it closes it with a reason, such as a node still being
    /// declared dead) throws the server's reason, a <see cref="Microsoft.AspNetCore.SignalR.HubException"/>.
    /// </summary>
    /// <param name="waitForStartUp">False for a connection the server is expected to refuse during its start-up.</param>
    public async Task<HubConnection> ConnectAsync(string? token = null, bool waitForStartUp = true)
    {
        var hubUri = new UriBuilder(_gateway.ServerAddress) { Scheme = "ws", Path = "/hubs/chat", Query = $"access_token={Uri.EscapeDataString(token ?? Token)}" }.Uri;
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(hubUri));
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(hubUri));
        var connection = builder.Build();
        foreach (var name in HubEvents)
        {
            connection.On<JsonElement>(name, payload => Events.Enqueue(new HubEvent(name, connection.ConnectionId, payload)));
        }

        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += exception =>
        {
            closed.TrySetResult(exception);
            return Task.CompletedTask;
        };

        await connection.StartAsync().WaitAsync(WaitLimit);
        _connections.Add(connection);
        if (waitForStartUp)
        {
            try
            {
                await connection.InvokeAsync<JsonElement>("GetRooms").WaitAsync(WaitLimit);
            }
            catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
            {
                // The invocation can fail before the close's reason has reached the Closed handler.
                if (await Task.WhenAny(closed.Task, Task.Delay(WaitLimit)) == closed.Task && await closed.Task is Microsoft.AspNetCore.SignalR.HubException refused)
                {
                    throw refused;
                }

                throw;
            }
        }

        return connection;
    }

    public async Task<HubEvent> WaitForEventAsync(string name, Func<JsonElement, bool>? match = null)
    {
        HubEvent? found = null;
        await Eventually.TrueAsync(() => (found = Events.FirstOrDefault(e => e.Name == name && (match?.Invoke(e.Payload) ?? true))) is not null, WaitLimit, $"{Username} never received {name}.");
        return found!;
    }

    public async Task<string> CreateRoomAsync(string? roomName = null)
    {
        var response = await Http.PostAsJsonAsync("/api/rooms", new { roomName = roomName ?? UniqueName("room") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("roomId").GetString()!;
    }

    public async Task JoinAsync(string roomId) =>
        Assert.Equal(HttpStatusCode.OK, (await Http.PostAsync($"/api/rooms/{roomId}/join", null)).StatusCode);

    public async Task<JsonElement> PostAsync(string roomId, string text, string? clientMessageId = null)
    {
        var response = await Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text, clientMessageId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement[]> HistoryAsync(string roomId, string query = "")
    {
        var page = await Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{roomId}/messages{query}");
        return page.GetProperty("messages").EnumerateArray().ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        Http.Dispose();
    }
}

public sealed record HubEvent(string Name, string? ConnectionId, JsonElement Payload);
