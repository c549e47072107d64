using GrainChat.Chat;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Cluster.Calls;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace GrainChat.Gateway.Errors;

/// <summary>
/// Turns a broken rule (<see cref="ChatException"/>) or an unreadable request into RFC 7807 ProblemDetails
/// with the right status and, where there is one, the field at fault. Anything else stays a 500. Features shape
/// their problems further through <c>ProblemDetailsOptions.CustomizeProblemDetails</c>.
/// </summary>
internal sealed partial class ChatExceptionHandler(IProblemDetailsService problemDetails, ILogger<ChatExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            ChatException chat => FromChatException(chat),
            RateLimitedException limited => TooManyRequests(httpContext, limited),
            TimeoutException => Unavailable(httpContext, "The service is too busy to answer in time"),
            System.Data.Common.DbException or RemoteGrainException { IsStorageFailure: true } => Unavailable(httpContext, "Storage is unavailable; nothing was stored"),
            SiloUnavailableException => Unavailable(httpContext, "The node that holds this data is unreachable or moving; it is back within seconds"),
            InconsistentStateException => Unavailable(httpContext, "Another node changed this data at the same moment (the cluster's membership is changing); nothing was changed here"),
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "The request could not be read",
                Detail = bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message,
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        LogRejected(logger, httpContext.Request.Method, LogText.Escape(httpContext.Request.Path.Value), problem.Status ?? 400, LogText.Escape(problem.Detail));
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>Seconds a client is asked to wait when the service is overloaded or its storage unreachable (503).</summary>
    public const int BusyRetryAfterSeconds = 5;

    private static ProblemDetails Unavailable(HttpContext httpContext, string what)
    {
        httpContext.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service Unavailable",
            Detail = $"{what}; retry in {BusyRetryAfterSeconds} s",
        };
    }

    private static ProblemDetails TooManyRequests(HttpContext httpContext, RateLimitedException exception)
    {
        httpContext.Response.Headers.RetryAfter = exception.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too Many Requests", Detail = exception.Message };
    }

    private static ProblemDetails FromChatException(ChatException exception)
    {
        var status = StatusOf(exception.Code);
        ProblemDetails problem = exception.Field is { } field && status == StatusCodes.Status400BadRequest
            ? new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [exception.Message] })
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = TitleOf(exception.Code);
        problem.Detail = exception.Message;
        return problem;
    }

    private static int StatusOf(ChatErrorCode code) => code switch
    {
        ChatErrorCode.Invalid => StatusCodes.Status400BadRequest,
        ChatErrorCode.Forbidden => StatusCodes.Status403Forbidden,
        ChatErrorCode.NotFound => StatusCodes.Status404NotFound,
        ChatErrorCode.Conflict or ChatErrorCode.AlreadyInSession => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleOf(ChatErrorCode code) => code switch
    {
        ChatErrorCode.Invalid => "One or more validation errors occurred.",
        ChatErrorCode.Forbidden => "Forbidden",
        ChatErrorCode.NotFound => "Not Found",
        ChatErrorCode.Conflict or ChatErrorCode.AlreadyInSession => "Conflict",
        _ => "Bad Request",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} rejected with {Status}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string method, string? path, int status, string? detail);
}
