using System.Data.Common;
using System.Globalization;
using GrainChat.Runtime;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// Grain state in the <c>grain_state</c> table, for SQLite and PostgreSQL alike. Every write is one conditional
/// statement on the version column, so a stale writer changes nothing and learns it from the affected-row count.
/// </summary>
internal sealed class SqlGrainStorage(SqlDialect dialect) : IGrainStorage, IStorageHealth
{
    private const string KeyFilter = "grain_type = @type AND grain_key = @key AND state_name = @state";

    private readonly string _insertSql =
        $"INSERT INTO grain_state (grain_type, grain_key, state_name, payload, version, modified_on) VALUES (@type, @key, @state, @payload, 1, {dialect.NowSql}) ON CONFLICT DO NOTHING";

    private readonly string _updateSql =
        $"UPDATE grain_state SET payload = @payload, version = version + 1, modified_on = {dialect.NowSql} WHERE {KeyFilter} AND version = @version";

    public string ProviderName => dialect.ProviderName;

    public Task PingAsync(CancellationToken cancellationToken) =>
        dialect.ReadAsync(static async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task<StoredGrainState?> ReadAsync(GrainStateKey key, CancellationToken cancellationToken) =>
        dialect.ReadAsync((connection, ct) => ReadAsync(connection, key, ct), cancellationToken);

    public Task<string> WriteAsync(GrainStateKey key, string payload, string? etag, CancellationToken cancellationToken) =>
        ReplaceAsync(key, payload, etag, cancellationToken);

    public Task<string> ClearAsync(GrainStateKey key, string? etag, CancellationToken cancellationToken) =>
        ReplaceAsync(key, null, etag, cancellationToken);

    private Task<string> ReplaceAsync(GrainStateKey key, string? payload, string? etag, CancellationToken cancellationToken)
    {
        long? expectedVersion = etag is null ? null : ParseEtag(key, etag);
        return dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = expectedVersion is null ? _insertSql : _updateSql;
            AddKey(command, key);
            command.AddParameter("payload", payload);
            if (expectedVersion is { } version)
            {
                command.AddParameter("version", version);
            }

            if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
            {
                return ((expectedVersion ?? 0) + 1).ToString(CultureInfo.InvariantCulture);
            }

            var current = await ReadAsync(connection, key, ct).ConfigureAwait(false);
            throw GrainStorageErrors.Conflict(key, current?.Etag, etag);
        }, cancellationToken);
    }

    private static async Task<StoredGrainState?> ReadAsync(DbConnection connection, GrainStateKey key, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT payload, version FROM grain_state WHERE {KeyFilter}";
        AddKey(command, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var payload = reader.IsDBNull(0) ? null : reader.GetString(0);
        return new StoredGrainState(payload, reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));
    }

    private static void AddKey(DbCommand command, GrainStateKey key)
    {
        command.AddParameter("type", key.GrainType);
        command.AddParameter("key", key.GrainKey);
        command.AddParameter("state", key.StateName);
    }

    private static long ParseEtag(GrainStateKey key, string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new InconsistentStateException($"ETag '{etag}' for {key} is not one this storage issued.", null, etag);
}
