using System.Text;
using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Gateway.Errors;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster.Calls;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// Keeps a bad invocation from costing the connection: arguments over the 32 KB frame limit are refused, and
/// broken rules come back as <see cref="HubException"/> with the rule's message.
/// </summary>
internal sealed class ChatHubFilter : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var arguments = invocationContext.HubMethodArguments;
        long size = 0;
        for (var i = 0; i < arguments.Count; i++)
        {
            size += ArgumentSize(arguments[i]);
        }

        if (size > ChatLimits.HubFrameMaxBytes)
        {
            throw new HubException($"The invocation carries {size} bytes; the limit is {ChatLimits.HubFrameMaxBytes} bytes ({ChatLimits.HubFrameMaxBytes / 1024} KB).");
        }

        try
        {
            return await next(invocationContext);
        }
        catch (Exception exception) when (ToHubException(exception) is { } hubException)
        {
            throw hubException;
        }
    }

    /// <summary>A connection refused at start-up (a node still being declared dead, storage down) says why and when to retry.</summary>
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (ToHubException(exception) is { } hubException)
        {
            throw hubException;
        }
    }

    private static HubException? ToHubException(Exception exception) => exception switch
    {
        ChatException => new HubException(exception.Message),
        RateLimitedException rateLimited => new HubException($"{rateLimited.Message} (retryAfter={rateLimited.RetryAfterSeconds})"),
        TimeoutException => new HubException($"The service is too busy to answer in time (retryAfter={ChatExceptionHandler.BusyRetryAfterSeconds})"),
        InconsistentStateException => new HubException($"Another node changed this data at the same moment; nothing was changed here (retryAfter={ChatExceptionHandler.BusyRetryAfterSeconds})"),
        SiloUnavailableException => new HubException($"The node that holds this data is unreachable or moving; it is back within seconds (retryAfter={ChatExceptionHandler.BusyRetryAfterSeconds})"),
        System.Data.Common.DbException or RemoteGrainException { IsStorageFailure: true } => new HubException($"Storage is unavailable; nothing was stored (retryAfter={ChatExceptionHandler.BusyRetryAfterSeconds})"),
        _ => null,
    };

    private static long ArgumentSize(object? argument) => argument switch
    {
        string text => Encoding.UTF8.GetByteCount(text),
        JsonElement json => json.ValueKind == JsonValueKind.Undefined ? 0 : Encoding.UTF8.GetByteCount(json.GetRawText()),
        _ => 16,
    };
}
