using System.Data.Common;
using System.Globalization;
using GrainChat.Chat;
using GrainChat.Silo.Persistence.Sql;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>The writer's statements through ADO.NET on one batch's connection and transaction (PostgreSQL).</summary>
internal sealed class AdoMessageLogStatements : IMessageLogStatements, IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;
    private DbCommand? _insert;
    private DbParameter[] _insertParameters = [];

    public AdoMessageLogStatements(DbConnection connection, DbTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public async ValueTask<long> LastIdAsync(string roomId)
    {
        await using var command = Command(MessageInsert.LastIdSql);
        command.AddParameter("room", roomId);
        return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async ValueTask<bool> TryInsertAsync(ChatMessage message)
    {
        if (_insert is null)
        {
            _insert = Command(MessageInsert.Sql);
            _insertParameters = [.. MessageInsert.ParameterNames.Select(name => _insert.AddParameter(name, null))];
        }

        var values = MessageInsert.Values(message);
        for (var p = 0; p < values.Length; p++)
        {
            _insertParameters[p].Value = values[p];
        }

        return await _insert.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    public async Task<ChatMessage?> FindAsync(string roomId, string sender, string clientMessageId)
    {
        await using var command = Command(null);
        return await MessageInsert.FindAsync(command, roomId, sender, clientMessageId).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _insert?.DisposeAsync() ?? ValueTask.CompletedTask;

    private DbCommand Command(string? sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
