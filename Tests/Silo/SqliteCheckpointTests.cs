using GrainChat.Silo.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace GrainChat.Tests.Silo;

public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-checkpoint-");

    private string DatabaseFile => Path.Combine(_directory.FullName, "chat.db");

    [Fact]
    public async Task Committed_rows_reach_the_database_file_without_any_commit_checkpointing()
    {
        using var dialect = new SqliteDialect($"Data Source={DatabaseFile}");
        await CreateTableAsync(dialect);
        for (var i = 0; i < 20; i++)
        {
            await InsertAsync(dialect, new byte[100]);
        }

        // Twenty small commits are far below SQLite's automatic threshold: only the background checkpoint copies them.
        var copy = Path.Combine(_directory.FullName, "copy.db");
        await WaitUntilAsync(() => CountRowsInFileAlone(copy) == 20);
    }

    [Fact]
    public async Task The_log_is_reused_instead_of_growing_while_writes_never_pause()
    {
        using var dialect = new SqliteDialect($"Data Source={DatabaseFile}");
        await CreateTableAsync(dialect);
        var row = new byte[256 * 1024];
        var written = 0L;
        var logLimit = 4L * SqliteCheckpointer.RestartAfterPages * 4096;
        while (written < 4 * logLimit)
        {
            await ReplaceFirstRowAsync(dialect, row);
            written += row.Length;
            await Task.Delay(4); // at most about 64 MB a second, a rate the checkpoint can follow
        }

        Assert.True(new FileInfo(DatabaseFile + "-wal").Length < logLimit, $"log file {new FileInfo(DatabaseFile + "-wal").Length:N0} bytes after {written:N0} written");
    }

    [Fact]
    public async Task A_pooled_connection_handed_out_again_keeps_its_settings_without_automatic_checkpoints()
    {
        using var dialect = new SqliteDialect($"Data Source={DatabaseFile}");
        object? firstHandle;
        await using (var first = (SqliteConnection)await dialect.OpenAsync(CancellationToken.None))
        {
            firstHandle = first.Handle;
        }

        await using var again = (SqliteConnection)await dialect.OpenAsync(CancellationToken.None);
        Assert.Same(firstHandle, again.Handle);
        Assert.Equal(1L, Pragma(again, "foreign_keys"));
        Assert.Equal(0L, Pragma(again, "wal_autocheckpoint"));
        Assert.Equal(1L, Pragma(again, "synchronous")); // NORMAL
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private static long Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return (long)command.ExecuteScalar()!;
    }

    private static Task CreateTableAsync(SqliteDialect dialect) =>
        ExecuteAsync(dialect, "PRAGMA journal_mode = WAL; CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL);", body: null);

    private static Task InsertAsync(SqliteDialect dialect, byte[] body) =>
        ExecuteAsync(dialect, "INSERT INTO rows (body) VALUES (@body)", body);

    // Rewriting one row logs as many pages as adding rows does, without leaving the whole amount in the database file.
    private static Task ReplaceFirstRowAsync(SqliteDialect dialect, byte[] body) =>
        ExecuteAsync(dialect, "INSERT OR REPLACE INTO rows (id, body) VALUES (1, @body)", body);

    private static Task ExecuteAsync(SqliteDialect dialect, string sql, byte[]? body) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            if (body is not null)
            {
                command.AddParameter("body", body);
            }

            return await command.ExecuteNonQueryAsync(ct);
        }, CancellationToken.None);

    /// <summary>The rows in the database file read without its write-ahead log (a copy of the file alone).</summary>
    private long CountRowsInFileAlone(string copy)
    {
        File.Copy(DatabaseFile, copy, overwrite: true);
        using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM rows";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return -1; // the table itself is not in the file yet
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the database file did not catch up with the log");
            await Task.Delay(50);
        }
    }
}
