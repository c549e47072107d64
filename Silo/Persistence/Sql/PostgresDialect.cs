using System.Data.Common;
using Npgsql;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>.</summary>
public sealed class PostgresDialect(string connectionString) : SqlDialect, IDisposable
{
    // Arbitrary constant naming GrainChat's schema lock among PostgreSQL advisory locks.
    private const long SchemaLockKey = 0x4772_6169_6e43_6861;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    /// <summary>The pool itself, for the cluster's notifications and membership table.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    public override string ProviderName => "Postgres";

    public override string NowSql => "now()";

    public override string MigrationSql(StorageMigration migration) => migration.PostgresSql;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({SchemaLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    // SQLSTATE classes 22 (data exception, e.g. a NUL in text) and 23 (integrity constraint violation).
    public override bool IsDataError(Exception exception) =>
        exception is PostgresException { SqlState: ['2', '2' or '3', ..] };

    public void Dispose() => _dataSource.Dispose();
}
