using GrainChat.Chat;
using Microsoft.AspNetCore.SignalR;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR();
var app = builder.Build();
app.MapHub<BareChatHub>("/hubs/chat");
app.MapGet("/alive", () => "ok");
app.Run();

/// <summary>The same method shapes as GrainChat's hub, with nothing behind them: groups in memory, no auth, no storage.</summary>
internal sealed class BareChatHub : Hub
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
        var message = new { id = Interlocked.Increment(ref _nextId), roomId, sender = Context.ConnectionId, text, timestamp = DateTimeOffset.UtcNow, clientMessageId };
        await Clients.Group(roomId).SendAsync("MessageReceived", message);
        MessagePathTrace.Mark(MessagePathStage.Delivered, text);
        MessagePathTrace.Mark(MessagePathStage.Answered, text);
        return message;
    }
}
