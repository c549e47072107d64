using GrainChat.Chat;
using Microsoft.AspNetCore.SignalR;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR();

// --Database FILE: every message is committed to that SQLite file before it goes out (the durable floor).
if (builder.Configuration["Database"] is { Length: > 0 } database)
{
    // Made by the container, so that it is disposed with the host: the writer finishes and the checkpointer stops.
    builder.Services.AddSingleton(_ => new DurableMessageLog(database));
}

var app = builder.Build();
app.MapHub<BareChatHub>("/hubs/chat");
app.MapGet("/alive", () => "ok");
app.Run();

/// <summary>The same method shapes as GrainChat's hub, with nothing behind them: groups in memory, no auth, no storage
/// unless the durable log is configured.</summary>
internal sealed class BareChatHub(DurableMessageLog? log = null) : Hub
{
    private static long _nextId;

    public async Task<object> JoinRoom(string roomId)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, roomId);
        return new { status = "joined", roomId, roomName = roomId };
    }

    public async Task<object> SendMessage(string roomId, string text, string? clientMessageId)
    {
        MessagePathTrace.Mark(MessagePathStage.Received, text);
        var timestamp = DateTimeOffset.UtcNow;
        var id = log is null
            ? Interlocked.Increment(ref _nextId)
            : await log.AppendAsync(roomId, Context.ConnectionId, text, clientMessageId, timestamp);
        var message = new { id, roomId, sender = Context.ConnectionId, text, timestamp, clientMessageId };
        await Clients.Group(roomId).SendAsync("MessageReceived", message);
        MessagePathTrace.Mark(MessagePathStage.Delivered, text);
        MessagePathTrace.Mark(MessagePathStage.Answered, text);
        return message;
    }
}
