using GrainChat.Silo.Activation;
using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Silo.Messaging;

namespace GrainChat.Silo.Cluster.Calls;

/// <summary>A grain call as it crosses the wire: target, method, deadline, arguments.</summary>
internal readonly record struct RemoteRequest(GrainId GrainId, string Method, TimeSpan Timeout, int Hops, JsonElement Arguments);

/// <summary>
/// Writes and reads grain calls and their outcomes as JSON (System.Text.Json; arguments and results by their declared
/// types). Exceptions cross with their type: <see cref="ChatException"/> with its code and field,
/// <see cref="InconsistentStateException"/>, <see cref="TimeoutException"/>, <see cref="SiloUnavailableException"/>
/// and <see cref="ArgumentException"/> are rebuilt as themselves; anything else becomes a
/// <see cref="RemoteGrainException"/> naming the original type.
/// </summary>
internal static class RemoteCallCodec
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void WriteRequest(IBufferWriter<byte> output, GrainId grainId, MethodDispatcher method, object?[] arguments, TimeSpan timeout, int hops)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("type", grainId.Type);
        writer.WriteString("key", grainId.Key);
        writer.WriteString("method", method.Key);
        writer.WriteNumber("timeoutMs", (long)timeout.TotalMilliseconds);
        writer.WriteNumber("hops", hops);
        writer.WriteStartArray("args");
        for (var i = 0; i < arguments.Length; i++)
        {
            JsonSerializer.Serialize(writer, arguments[i], method.ParameterTypes[i], Json);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads a request; its arguments stay in the returned document until the method's types are known.</summary>
    public static (RemoteRequest Request, JsonDocument Document) ReadRequest(ReadOnlyMemory<byte> body)
    {
        var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        return (new RemoteRequest(
            new GrainId(root.GetProperty("type").GetString()!, root.GetProperty("key").GetString()!),
            root.GetProperty("method").GetString()!,
            TimeSpan.FromMilliseconds(root.GetProperty("timeoutMs").GetInt64()),
            root.GetProperty("hops").GetInt32(),
            root.GetProperty("args")), document);
    }

    public static object?[] ReadArguments(JsonElement arguments, MethodDispatcher method)
    {
        if (arguments.GetArrayLength() != method.ParameterTypes.Count)
        {
            throw new ArgumentException($"{method.Key} takes {method.ParameterTypes.Count} arguments, {arguments.GetArrayLength()} were sent.");
        }

        var values = new object?[method.ParameterTypes.Count];
        var i = 0;
        foreach (var argument in arguments.EnumerateArray())
        {
            values[i] = argument.Deserialize(method.ParameterTypes[i], Json);
            i++;
        }

        return values;
    }

    public static void WriteResult(IBufferWriter<byte> output, object? result, Type? resultType)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteBoolean("ok", true);
        if (resultType is not null)
        {
            writer.WritePropertyName("result");
            JsonSerializer.Serialize(writer, result, resultType, Json);
        }

        writer.WriteEndObject();
    }

    public static void WriteException(IBufferWriter<byte> output, Exception exception)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteBoolean("ok", false);
        writer.WriteStartObject("error");
        writer.WriteString("type", exception is RemoteGrainException remote ? remote.OriginalType : exception.GetType().FullName);
        writer.WriteString("message", exception is RemoteGrainException relayed ? relayed.RemoteMessage : exception.Message);
        switch (exception)
        {
            case ChatException chat:
                writer.WriteString("code", chat.Code.ToString());
                writer.WriteString("field", chat.Field);
                break;
            case RemoteGrainException { IsStorageFailure: true }:
            case DbException:
                writer.WriteBoolean("storage", true);
                break;
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The result of a response, or the exception it carries, rebuilt.</summary>
    public static TResult ReadResponse<TResult>(ReadOnlyMemory<byte> body, bool hasResult)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.GetProperty("ok").GetBoolean())
        {
            return hasResult && root.TryGetProperty("result", out var result) ? result.Deserialize<TResult>(Json)! : default!;
        }

        throw ToException(root.GetProperty("error"));
    }

    /// <summary>As <see cref="ReadResponse{TResult}"/> for a result whose type is known only at run time (a forwarded call).</summary>
    public static object? ReadBoxedResponse(ReadOnlyMemory<byte> body, Type resultType)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.GetProperty("ok").GetBoolean())
        {
            return root.TryGetProperty("result", out var result) ? result.Deserialize(resultType, Json) : null;
        }

        throw ToException(root.GetProperty("error"));
    }

    private static Exception ToException(JsonElement error)
    {
        var type = error.GetProperty("type").GetString() ?? "";
        var message = error.GetProperty("message").GetString() ?? "";
        return type switch
        {
            _ when type == typeof(ChatException).FullName => new ChatException(
                Enum.TryParse<ChatErrorCode>(error.GetProperty("code").GetString(), out var code) ? code : ChatErrorCode.Invalid,
                message,
                error.TryGetProperty("field", out var field) ? field.GetString() : null),
            _ when type == typeof(InconsistentStateException).FullName => new InconsistentStateException(message),
            _ when type == typeof(TimeoutException).FullName => new TimeoutException(message),
            _ when type == typeof(SiloUnavailableException).FullName => new SiloUnavailableException(message),
            _ when type == typeof(ArgumentException).FullName || type == typeof(ArgumentNullException).FullName || type == typeof(ArgumentOutOfRangeException).FullName
                => new ArgumentException(message),
            _ => new RemoteGrainException(type, message, error.TryGetProperty("storage", out var storage) && storage.GetBoolean()),
        };
    }
}
