using System.Net.Http.Json;
using System.Text.Json.Serialization;
using GrainChat.Chat;
using GrainChat.Lobby;
using GrainChat.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainChat.Grains.Robots;

/// <summary>
/// A session's robot player. <c>echo</c> answers every human message with a reply derived from it; any other
/// robot name is the model asked at an OpenAI-compatible chat-completions endpoint, with recent history as
/// context. A failure or timeout becomes a short notice in the room; the human's message is already stored.
/// </summary>
public sealed partial class RobotGrain(IHttpClientFactory httpClients, IOptions<RobotOptions> options, ILogger<RobotGrain> logger) : Grain, IRobotGrain
{
    public const string Echo = "echo";

    public async Task HearAsync(string robot, ChatMessage message)
    {
        if (LobbyLimits.IsRobotSender(message.Sender))
        {
            return;
        }

        var room = GrainFactory.GetRoomGrain(GrainKey);
        var sender = LobbyLimits.RobotSender(robot);
        var reply = string.Equals(robot, Echo, StringComparison.OrdinalIgnoreCase)
            ? $"echo: {message.Text}"
            : await AskModelAsync(room, robot, sender);
        if (reply.Length > ChatLimits.MessageMaxLength)
        {
            reply = reply[..ChatLimits.MessageMaxLength];
        }

        await room.PostAsync(sender, reply, clientMessageId: $"reply-to-{message.Id}");
    }

    private async Task<string> AskModelAsync(IRoomGrain room, string robot, string sender)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.Endpoint))
        {
            return $"({robot} is not available: no robot endpoint is configured)";
        }

        try
        {
            var history = await room.GetMessagesAsync(sender, HistoryQuery.Latest(settings.HistoryMessages));
            var request = new ChatCompletionRequest(
                robot,
                [
                    new ChatCompletionMessage("system", $"You are {robot}, a player in a GrainChat game session. Answer briefly."),
                    .. history.Messages.Select(m => new ChatCompletionMessage(
                        string.Equals(m.Sender, sender, StringComparison.Ordinal) ? "assistant" : "user",
                        LobbyLimits.IsRobotSender(m.Sender) ? m.Text : $"{m.Sender}: {m.Text}")),
                ]);
            using var http = httpClients.CreateClient(RobotOptions.HttpClientName);
            using var timeout = new CancellationTokenSource(settings.Timeout);
            using var post = new HttpRequestMessage(HttpMethod.Post, settings.Endpoint) { Content = JsonContent.Create(request) };
            if (!string.IsNullOrEmpty(settings.ApiKey))
            {
                post.Headers.Authorization = new("Bearer", settings.ApiKey);
            }

            using var response = await http.SendAsync(post, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogEndpointFailed(logger, robot, (int)response.StatusCode);
                return $"({robot} could not answer: the robot service returned {(int)response.StatusCode})";
            }

            var completion = await response.Content.ReadFromJsonAsync<ChatCompletionResponse>(timeout.Token);
            var content = completion?.Choices is [{ Message.Content: { Length: > 0 } text }, ..] ? text.Trim() : null;
            return content ?? $"({robot} had nothing to say)";
        }
        catch (OperationCanceledException)
        {
            LogEndpointTimedOut(logger, robot, settings.Timeout);
            return $"({robot} did not answer within {settings.Timeout.TotalSeconds:0} s)";
        }
        catch (Exception exception) when (exception is HttpRequestException or System.Text.Json.JsonException)
        {
            LogEndpointUnreachable(logger, exception, robot);
            return $"({robot} could not answer: the robot service is unreachable)";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Robot {Robot}: the endpoint answered {Status}")]
    private static partial void LogEndpointFailed(ILogger logger, string robot, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Robot {Robot}: no answer within {Timeout}")]
    private static partial void LogEndpointTimedOut(ILogger logger, string robot, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Robot {Robot}: the endpoint could not be used")]
    private static partial void LogEndpointUnreachable(ILogger logger, Exception exception, string robot);

    private sealed record ChatCompletionRequest(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("messages")] IReadOnlyList<ChatCompletionMessage> Messages);

    private sealed record ChatCompletionMessage(
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("content")] string Content);

    private sealed record ChatCompletionResponse([property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChoice>? Choices);

    private sealed record ChatCompletionChoice([property: JsonPropertyName("message")] ChatCompletionMessage? Message);
}
