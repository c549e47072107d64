using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A local stand-in for an OpenAI-compatible chat-completions endpoint (there is no internet here): answers
/// with a fixed reply naming the model, or fails, or hangs, as the test chooses.
/// </summary>
public sealed class FakeChatCompletions : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeChatCompletions()
    {
        var port = FreePorts.Next();
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1/chat/completions");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>What the next requests get: "ok", "error" (HTTP 500) or "hang" (no answer until the test ends).</summary>
    public string Mode { get; set; } = "ok";

    public ConcurrentQueue<JsonElement> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.InputStream);
        Requests.Enqueue(request);
        switch (Mode)
        {
            case "hang":
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { });
                context.Response.Abort();
                return;
            case "error":
                context.Response.StatusCode = 500;
                context.Response.Close();
                return;
        }

        var model = request.GetProperty("model").GetString();
        var lastUser = request.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString();
        var body = JsonSerializer.Serialize(new { choices = new[] { new { message = new { role = "assistant", content = $"{model} heard: {lastUser}" } } } });
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
