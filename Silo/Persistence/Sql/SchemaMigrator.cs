using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>Brings the database to the newest schema: each registered migration runs once, under the schema lock.</summary>
internal sealed partial class SchemaMigrator(SqlDialect dialect, IEnumerable<StorageMigration> migrations, ILogger<SchemaMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var ordered = migrations.OrderBy(m => m.Version).ToArray();
        var duplicate = ordered.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two storage migrations share version {duplicate.Key}.");
        }

        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await dialect.BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS grainchat_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_on TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);

        var applied = new HashSet<int>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT version FROM grainchat_schema";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        foreach (var migration in ordered.Where(m => !applied.Contains(m.Version)))
        {
            await ExecuteAsync(connection, transaction, dialect.MigrationSql(migration), cancellationToken).ConfigureAwait(false);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO grainchat_schema (version, description, applied_on) VALUES (@version, @description, @appliedOn)";
            record.AddParameter("version", migration.Version);
            record.AddParameter("description", migration.Description);
            record.AddParameter("appliedOn", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            LogMigrationApplied(logger, dialect.ProviderName, migration.Version, migration.Description);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Provider} schema migration {Version} ({Description}) applied")]
    private static partial void LogMigrationApplied(ILogger logger, string provider, int version, string description);
}
