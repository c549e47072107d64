using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// A SQLite connection one writer keeps open between its transactions, with its statements compiled once
/// (<see cref="SqliteStatement"/>). Opening a pooled connection and compiling the same statements again for every
/// transaction was, at low load, a large part of a writer's time. After any failure the connection is closed and
/// the next transaction opens a fresh one, so a failed commit (a full disk) leaves nothing half-done behind.
/// Transactions take the dialect's write gate, as every writer in the process does; a session of the search index
/// (<paramref name="searchIndex"/>) writes to the index's own file instead, through its gate, and begins deferred.
/// </summary>
internal sealed class SqliteWriteSession<TStatements>(SqliteDialect dialect, Func<SqliteWriteSession<TStatements>, TStatements> compile, bool searchIndex = false) : IDisposable
    where TStatements : IDisposable
{
    /// <summary>
    /// A writer's page cache, in KiB (SQLite's default is 2 MiB). Each commit touches a page or two per room it writes to,
    /// and with the default the message log's writer read back, from the database file, pages it had itself just
    /// written: about one page read for every four page writes under load, one for every fifteen with this cache.
    /// The setting stays with the native connection, so one handed back to the pool after a failure keeps it.
    /// </summary>
    public const int PageCacheKibibytes = 32 * 1024;

    private static readonly string CacheSizePragma = $"PRAGMA cache_size = -{PageCacheKibibytes}";
    private readonly SemaphoreSlim _gate = searchIndex ? dialect.SearchIndexWriteGate : dialect.WriteGate;
    private SqliteConnection? _connection;
    private SqliteStatement? _begin;
    private SqliteStatement? _commit;
    private TStatements? _statements;

    /// <summary>The open connection (inside a transaction run by <see cref="InTransactionAsync"/>).</summary>
    public SqliteConnection Connection => _connection ?? throw new InvalidOperationException("The session is not open.");

    /// <summary>Rows changed by the last statement run on the connection.</summary>
    public int Changes => raw.sqlite3_changes(Connection.Handle);

    /// <summary>Compiles a statement on the session's connection (from the compile callback).</summary>
    public SqliteStatement Compile(string sql) => new(Connection.Handle!, sql);

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction holding the write gate and commits it; takes it all back if
    /// anything fails. <paramref name="gateWait"/> is told how long the gate kept it waiting; <paramref name="committed"/>
    /// runs after the commit with the gate still held, so what it does is in the order of the commits.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(
        Func<TStatements, Task<T>> write, Action<TimeSpan>? gateWait = null, Action<TStatements>? committed = null, CancellationToken cancellationToken = default)
    {
        var asked = Stopwatch.GetTimestamp();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            gateWait?.Invoke(Stopwatch.GetElapsedTime(asked));
            var statements = await OpenAsync().ConfigureAwait(false);
            T result;
            try
            {
                _begin!.Execute();
                result = await write(statements).ConfigureAwait(false);
                _commit!.Execute();
            }
            catch
            {
                Close();
                throw;
            }

            committed?.Invoke(statements);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => Close();

    private async ValueTask<TStatements> OpenAsync()
    {
        if (_statements is { } open)
        {
            return open;
        }

        _connection = searchIndex
            ? await dialect.OpenWithSearchIndexAsync(CancellationToken.None).ConfigureAwait(false)
            : (SqliteConnection)await dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            using (var cacheSize = Compile(CacheSizePragma))
            {
                cacheSize.Execute();
            }

            _begin = Compile(searchIndex ? "BEGIN" : "BEGIN IMMEDIATE");
            _commit = Compile("COMMIT");
            return _statements = compile(this);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private void Close()
    {
        _statements?.Dispose();
        _begin?.Dispose();
        _commit?.Dispose();
        (_statements, _begin, _commit) = (default, null, null);

        // The pool keeps the native connection open for its next user, so it must not go back inside a transaction.
        if (_connection is { } connection)
        {
            if (raw.sqlite3_get_autocommit(connection.Handle) == 0)
            {
                raw.sqlite3_exec(connection.Handle, "ROLLBACK");
            }

            if (raw.sqlite3_get_autocommit(connection.Handle) == 0)
            {
                SqliteConnection.ClearPool(connection);
            }

            connection.Dispose();
            _connection = null;
        }
    }
}
