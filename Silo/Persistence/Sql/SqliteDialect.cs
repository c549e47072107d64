using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// SQLite in WAL mode: readers never block the writer. <c>synchronous=NORMAL</c> makes a commit durable against a
/// process crash (kill -9); only an operating-system crash can lose the last commits. Writers inside this process
/// take turns through <see cref="WriteGate"/>, so SQLite's busy handler is only needed between processes. The log is
/// copied into the database file by <see cref="SqliteCheckpointer"/>, not by the commits.
/// </summary>
public sealed class SqliteDialect : SqlDialect, IDisposable
{
    private const int BusyTimeoutMilliseconds = 10_000;

    // No automatic checkpoints: the commit that crossed SQLite's threshold did the copy and waited for the disk
    // (see SqliteCheckpointer, which checkpoints beside the writers instead).
    private static readonly string ConnectionSettings =
        $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;";
    private readonly string _connectionString;
    private readonly string? _throwawayFile;
    private readonly SqliteCheckpointer? _checkpointer;
    private readonly ConditionalWeakTable<object, object> _configuredHandles = new();

    static SqliteDialect() => SQLitePCL.Batteries_V2.Init();

    public SqliteDialect(string connectionString)
        : this(connectionString, throwaway: false)
    {
    }

    private SqliteDialect(string connectionString, bool throwaway)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        _connectionString = builder.ToString();
        _throwawayFile = throwaway ? builder.DataSource : null;
        if (builder.Mode != SqliteOpenMode.Memory)
        {
            _checkpointer = new SqliteCheckpointer(_connectionString, WriteGate);
        }
    }

    /// <summary>
    /// For the Memory provider: grain state stays in memory, but SQL-backed stores (such as the message log)
    /// need a database, so they get a throwaway SQLite file in RAM (<c>/dev/shm</c>, else the temp folder).
    /// </summary>
    public static SqliteDialect Throwaway() =>
        new($"Data Source={Path.Combine(ThrowawayFolder, "grainchat-memory", $"{Guid.NewGuid():N}.db")}", throwaway: true);

    // A RAM-backed folder where there is one, so the Memory provider's SQL side costs no disk I/O.
    private static string ThrowawayFolder => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    public void Dispose()
    {
        _checkpointer?.Dispose();
        WriteGate.Dispose();
        if (_throwawayFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _throwawayFile, _throwawayFile + "-wal", _throwawayFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    public override string ProviderName => "Sqlite";

    public override string NowSql => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    public override SemaphoreSlim WriteGate { get; } = new(1, 1);

    public override string MigrationSql(StorageMigration migration) => migration.SqliteSql;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        // Settings belong to the native connection, which the pool hands out again: set them once, not per use.
        if (connection.Handle is { } handle && !_configuredHandles.TryGetValue(handle, out _))
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = ConnectionSettings;
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _configuredHandles.AddOrUpdate(handle, handle);
        }

        return connection;
    }

    public override async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // BEGIN IMMEDIATE takes the write lock up front, so two processes cannot both decide to migrate.
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH: the row, not the database, is at fault.
    public override bool IsDataError(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 18 or 19 or 20 };
}
