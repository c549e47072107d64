using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// SQLite in WAL mode: readers never block the writer. <c>synchronous=NORMAL</c> makes a commit durable against a
/// process crash (kill -9); only an operating-system crash can lose the last commits. Writers inside this process
/// take turns through <see cref="WriteGate"/>, so SQLite's busy handler is only needed between processes. The log is
/// copied into the database file by <see cref="SqliteCheckpointer"/>, not by the commits.
/// <para>
/// The full-text search index lives in a database file of its own beside the chat database
/// (<see cref="SearchIndexFile"/>), attached as <c>search</c> to the connections that use it
/// (<see cref="OpenWithSearchIndexAsync"/>). SQLite locks each file separately, so indexing, which has a write gate of
/// its own (<see cref="SearchIndexWriteGate"/>), never holds up the message log's commits.
/// </para>
/// </summary>
public sealed class SqliteDialect : SqlDialect, IDisposable
{
    private const int BusyTimeoutMilliseconds = 10_000;

    // No automatic checkpoints: the commit that crossed SQLite's threshold did the copy and waited for the disk
    // (see SqliteCheckpointer, which checkpoints beside the writers instead).
    private static readonly string ConnectionSettings =
        $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;";
    private readonly string _connectionString;
    private readonly string _searchConnectionString;
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
        SearchIndexFile = SearchIndexFileFor(builder);

        // Not pooled: a pooled native connection with the index attached could go on to serve a writer of the chat
        // database, whose BEGIN IMMEDIATE would then take the index's write lock too.
        _searchConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
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
        SearchIndexWriteGate.Dispose();
        if (_throwawayFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _throwawayFile, SearchIndexFile }.SelectMany(f => new[] { f, f + "-wal", f + "-shm" }))
            {
                File.Delete(file);
            }
        }
    }

    public override string ProviderName => "Sqlite";

    public override string NowSql => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

    public override SemaphoreSlim WriteGate { get; } = new(1, 1);

    /// <summary>The search index's database file: the chat database's name with <c>.search</c> before its extension.</summary>
    public string SearchIndexFile { get; }

    /// <summary>Serialises the writers of the search index file (there is one: the search indexer).</summary>
    public SemaphoreSlim SearchIndexWriteGate { get; } = new(1, 1);

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

    /// <summary>
    /// Opens a connection to the chat database with the search index attached as <c>search</c> (creating the index's
    /// file and table if missing). Such a connection must begin its transactions deferred, and write only to the
    /// index: <c>BEGIN IMMEDIATE</c> would take the write locks of both files.
    /// </summary>
    public async ValueTask<SqliteConnection> OpenWithSearchIndexAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_searchConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var attach = connection.CreateCommand();

            // The index's log is copied into its file by SQLite's automatic checkpoint, in the indexer's commits:
            // only the indexer waits for it. The setting is this connection's, which no one else is handed.
            attach.CommandText = $"""
                {ConnectionSettings}
                ATTACH DATABASE @file AS search;
                PRAGMA search.journal_mode = WAL;
                PRAGMA search.synchronous = NORMAL;
                PRAGMA wal_autocheckpoint = 1000;
                CREATE VIRTUAL TABLE IF NOT EXISTS search.messages_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
                """;
            attach.Parameters.AddWithValue("@file", SearchIndexFile);
            await attach.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a read on a connection with the search index attached (<see cref="OpenWithSearchIndexAsync"/>).</summary>
    public async Task<T> ReadWithSearchIndexAsync<T>(Func<DbConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenWithSearchIndexAsync(cancellationToken).ConfigureAwait(false);
        return await read(connection, cancellationToken).ConfigureAwait(false);
    }

    // An in-memory chat database gets an in-memory index shared the same way (by name, while a connection is open).
    private static string SearchIndexFileFor(SqliteConnectionStringBuilder builder) =>
        builder.Mode == SqliteOpenMode.Memory
            ? $"file:{builder.DataSource}-search?mode=memory&cache=shared"
            : Path.ChangeExtension(builder.DataSource, ".search" + Path.GetExtension(builder.DataSource));

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
