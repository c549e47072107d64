using GrainChat.Silo.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace GrainChat.Tests.Silo;

/// <summary>The connection a SQLite writer keeps between its transactions, with its statements compiled once.</summary>
public sealed class SqliteWriteSessionTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-session-");
    private readonly SqliteDialect _dialect;

    public SqliteWriteSessionTests()
    {
        _dialect = new SqliteDialect($"Data Source={Path.Combine(_directory.FullName, "chat.db")}");
        Execute("PRAGMA journal_mode = WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, reply_to INTEGER)");
    }

    [Fact]
    public async Task Statements_compiled_once_serve_every_transaction()
    {
        var compiled = 0;
        using var session = new SqliteWriteSession<Inserts>(_dialect, s => { compiled++; return new Inserts(s); });

        for (var i = 1; i <= 3; i++)
        {
            await session.InTransactionAsync(inserts => Task.FromResult(inserts.Add(i, $"note {i}", replyTo: i - 1)));
        }

        Assert.Equal(1, compiled);
        Assert.Equal(["1 note 1 0", "2 note 2 1", "3 note 3 2"], Rows());
    }

    [Fact]
    public async Task Text_goes_in_as_written_empty_and_non_ascii_included_and_a_missing_value_as_null()
    {
        using var session = new SqliteWriteSession<Inserts>(_dialect, s => new Inserts(s));

        await session.InTransactionAsync(inserts => Task.FromResult(inserts.Add(1, "", replyTo: null) + inserts.Add(2, "héllo 👋 <b>", replyTo: 1)));

        Assert.Equal(["1  NULL", "2 héllo 👋 <b> 1"], Rows());
    }

    [Fact]
    public async Task A_failed_transaction_is_taken_back_whole_and_the_next_one_works()
    {
        var compiled = 0;
        using var session = new SqliteWriteSession<Inserts>(_dialect, s => { compiled++; return new Inserts(s); });

        await Assert.ThrowsAsync<SqliteException>(() => session.InTransactionAsync(inserts =>
        {
            inserts.Add(1, "first", replyTo: null);
            return Task.FromResult(inserts.Add(1, "same id again", replyTo: null));
        }));
        await session.InTransactionAsync(inserts => Task.FromResult(inserts.Add(2, "after", replyTo: null)));

        Assert.Equal(["2 after NULL"], Rows());
        Assert.Equal(2, compiled); // the failed connection was closed and a fresh one opened
    }

    [Fact]
    public async Task A_failed_transaction_leaves_no_write_lock_behind_for_other_writers()
    {
        using var session = new SqliteWriteSession<Inserts>(_dialect, s => new Inserts(s));

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.InTransactionAsync<int>(inserts =>
        {
            inserts.Add(1, "never stored", replyTo: null);
            throw new InvalidOperationException("the writer failed half-way");
        }));

        // Any other writer (a pooled connection, perhaps the very one the session had) writes at once.
        var written = await _dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO notes (id, text) VALUES (5, 'other writer')";
            return await command.ExecuteNonQueryAsync(ct);
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, written);
        Assert.Equal(["5 other writer NULL"], Rows());
    }

    public void Dispose()
    {
        _dialect.Dispose();
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory.FullName, "chat.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private string[] Rows()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory.FullName, "chat.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, text, COALESCE(CAST(reply_to AS TEXT), 'NULL') FROM notes ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetInt64(0)} {reader.GetString(1)} {reader.GetString(2)}");
        }

        return [.. rows];
    }

    private sealed class Inserts : IDisposable
    {
        private readonly SqliteWriteSession<Inserts> _session;
        private readonly SqliteStatement _insert;

        public Inserts(SqliteWriteSession<Inserts> session)
        {
            _session = session;
            _insert = session.Compile("INSERT INTO notes (id, text, reply_to) VALUES (@id, @text, @replyTo)");
        }

        public int Add(long id, string text, long? replyTo)
        {
            _insert.Bind(_insert.ParameterIndex("id"), id);
            _insert.Bind(_insert.ParameterIndex("text"), text);
            _insert.Bind(_insert.ParameterIndex("replyTo"), replyTo);
            _insert.Execute();
            return _session.Changes;
        }

        public void Dispose() => _insert.Dispose();
    }
}
