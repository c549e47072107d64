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

    /// <summary>Serialises writers where the database allows only one at a time; null where it does not need to.</summary>
    public virtual SemaphoreSlim? WriteGate => null;
}
