using System.Data.Common;
using System.Threading.Channels;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.Extensions.Logging;

namespace GrainChat.Grains.Storage;

/// <summary>
/// The append-only message table with group commit: appends from every room wait in one queue and a single
/// writer commits them in batches, one transaction each. An append completes only after its batch has
/// committed, so a message is acknowledged only once it is durable.
/// </summary>
public sealed partial class MessageLog : IAsyncDisposable
{
    private const int MaxBatchSize = 512;
    private const string Columns = "room_id, seq, sender, text, client_message_id, created_at";

    private readonly SqlDialect _dialect;
    private readonly ILogger<MessageLog> _logger;
    private readonly Channel<PendingAppend> _pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public MessageLog(SqlDialect dialect, ILogger<MessageLog> logger)
    {
        _dialect = dialect;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Appends durably; false when (room, seq) or (room, sender, clientMessageId) is already stored.</summary>
    public Task<bool> AppendAsync(ChatMessage message)
    {
        var append = new PendingAppend(message);
        if (!_pending.Writer.TryWrite(append))
        {
            throw new InvalidOperationException("The message log is shut down.");
        }

        return append.Task;
    }

    public Task<long> GetLastSequenceAsync(string roomId) =>
        _dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room_id = @room";
            command.AddParameter("room", roomId);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    public Task<ChatMessage?> FindByClientMessageIdAsync(string roomId, string sender, string clientMessageId) =>
        _dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM messages WHERE room_id = @room AND sender = @sender AND client_message_id = @client";
            command.AddParameter("room", roomId);
            command.AddParameter("sender", sender);
            command.AddParameter("client", clientMessageId);
            var found = await ReadMessagesAsync(command, ct).ConfigureAwait(false);
            return found.Count == 0 ? null : found[0];
        }, CancellationToken.None);

    /// <summary>A page of a room's history, ascending by id.</summary>
    public Task<IReadOnlyList<ChatMessage>> ReadAsync(string roomId, HistoryQuery query) =>
        _dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            var (filter, order) = query switch
            {
                { After: { } } => ("AND seq > @cursor", "ASC"),
                { Before: { } } => ("AND seq < @cursor", "DESC"),
                _ => ("", "DESC"),
            };
            command.CommandText = $"SELECT {Columns} FROM messages WHERE room_id = @room {filter} ORDER BY seq {order} LIMIT @limit";
            command.AddParameter("room", roomId);
            command.AddParameter("limit", query.Limit);
            if ((query.After ?? query.Before) is { } cursor)
            {
                command.AddParameter("cursor", cursor);
            }

            var messages = await ReadMessagesAsync(command, ct).ConfigureAwait(false);
            if (order == "DESC")
            {
                messages.Reverse();
            }

            return (IReadOnlyList<ChatMessage>)messages;
        }, CancellationToken.None);

    /// <summary>Messages stored in all, and since the given time.</summary>
    public Task<(long Total, long Since)> CountAsync(long sinceUnixMilliseconds) =>
        _dialect.ReadAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at >= @since THEN 1 ELSE 0 END), 0) FROM messages";
            command.AddParameter("since", sinceUnixMilliseconds);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        }, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private static async Task<List<ChatMessage>> ReadMessagesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(new ChatMessage(
                reader.GetInt64(1),
                reader.GetString(0),
                reader.GetString(2),
                reader.GetString(3),
                UnixTime.FromMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return messages;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(MaxBatchSize);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatchSize && _pending.Reader.TryRead(out var append))
            {
                batch.Add(append);
            }

            try
            {
                var stored = await _dialect.WriteAsync((connection, ct) => WriteBatchAsync(connection, batch, ct), CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].TrySetResult(stored[i]);
                }
            }
            catch (Exception exception)
            {
                LogBatchFailed(_logger, exception, batch.Count);
                foreach (var append in batch)
                {
                    append.TrySetException(exception);
                }
            }

            batch.Clear();
        }
    }

    private static async Task<bool[]> WriteBatchAsync(DbConnection connection, List<PendingAppend> batch, CancellationToken cancellationToken)
    {
        var stored = new bool[batch.Count];
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO messages ({Columns}) VALUES (@room, @seq, @sender, @text, @client, @created) ON CONFLICT DO NOTHING";
        var room = command.AddParameter("room", null);
        var seq = command.AddParameter("seq", null);
        var sender = command.AddParameter("sender", null);
        var text = command.AddParameter("text", null);
        var client = command.AddParameter("client", null);
        var created = command.AddParameter("created", null);
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i].Message;
            room.Value = message.RoomId;
            seq.Value = message.Id;
            sender.Value = message.Sender;
            text.Value = message.Text;
            client.Value = (object?)message.ClientMessageId ?? DBNull.Value;
            created.Value = UnixTime.ToMilliseconds(message.Timestamp);
            stored[i] = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing a batch of {Count} messages failed; their senders get the error")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private sealed class PendingAppend(ChatMessage message) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ChatMessage Message { get; } = message;
    }
}
