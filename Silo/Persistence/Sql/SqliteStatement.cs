using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// One SQL statement compiled once and run many times through SQLite's own API: no parsing, no per-run objects.
/// For the hot writers only (the message log, the search indexer); everything else goes through ADO.NET.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const int Row = 100; // SQLITE_ROW
    private const int Done = 101; // SQLITE_DONE
    private const uint Persistent = 1; // SQLITE_PREPARE_PERSISTENT: kept for a long time

    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(sqlite3 database, string sql)
    {
        _database = database;
        Check(raw.sqlite3_prepare_v3(database, sql, Persistent, out _statement));
    }

    /// <summary>The position of a named parameter (<c>@name</c>), for the Bind methods.</summary>
    public int ParameterIndex(string name) =>
        raw.sqlite3_bind_parameter_index(_statement, "@" + name) is > 0 and var index
            ? index
            : throw new InvalidOperationException($"The statement has no parameter @{name}.");

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) => Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        if (value.Length == 0)
        {
            Check(raw.sqlite3_bind_text(_statement, index, value)); // an empty span would bind NULL
            return;
        }

        // SQLite copies the bytes (SQLITE_TRANSIENT), so the buffer goes straight back to the pool.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs a statement that returns no rows, and readies it for the next run.</summary>
    public void Execute()
    {
        try
        {
            Expect(raw.sqlite3_step(_statement), Done);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a statement and reads its first row's first column, or null when there is no row or it is NULL.</summary>
    public long? ReadInt64() => ReadFirst(static statement => (long?)raw.sqlite3_column_int64(statement, 0));

    /// <summary>Runs a statement and reads its first row's first column, or null when there is no row or it is NULL.</summary>
    public string? ReadText() => ReadFirst(static statement => raw.sqlite3_column_text(statement, 0).utf8_to_string());

    public void Dispose() => _statement.Dispose();

    private T? ReadFirst<T>(Func<sqlite3_stmt, T> read)
    {
        try
        {
            return Step() && raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL ? read(_statement) : default;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    private bool Step()
    {
        var result = raw.sqlite3_step(_statement);
        if (result is not (Row or Done))
        {
            Check(result);
        }

        return result == Row;
    }

    private void Expect(int result, int expected)
    {
        if (result != expected)
        {
            Check(result);
            throw new InvalidOperationException($"SQLite answered {result} where {expected} was expected.");
        }
    }

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, _database);
}
