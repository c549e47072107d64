using System.Data.Common;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>What differs between the SQL databases GrainChat runs on. Everything else is shared SQL.</summary>
public abstract class SqlDialect
{
    public abstract string ProviderName { get; }

    /// <summary>SQL for the current UTC time as the dialect stores it.</summary>
    public abstract string NowSql { get; }

    public abstract string MigrationSql(StorageMigration migration);

    /// <summary>Opens a ready-to-use connection (pooled).</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Takes the schema lock so that processes starting together migrate once.</summary>
    public abstract Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the failure was the database refusing one statement's data (a value it cannot store, a broken
    /// constraint), as opposed to the connection or the database itself failing: only the former is worth
    /// retrying row by row.
    /// </summary>
    public abstract bool IsDataError(Exception exception);

    /// <summary>Serialises writers where the database allows only one at a time; null where it does not need to.</summary>
    public virtual SemaphoreSlim? WriteGate => null;

    /// <summary>Runs a write on its own pooled connection, taking the write gate where the database needs one.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        var gate = WriteGate;
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await write(connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate?.Release();
        }
    }

    /// <summary>Runs a read on its own pooled connection (readers never wait for the write gate).</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await read(connection, cancellationToken).ConfigureAwait(false);
    }
}
