using Microsoft.Data.Sqlite;

namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// Copies the write-ahead log into the database file from a thread of its own, so that writers never do it.
/// With SQLite's automatic checkpoint, the commit that pushes the log past 1,000 pages copies them and syncs the
/// database file before it returns, and every append queued behind that commit waits (measured: those commits are
/// the message log's batches that take over 10 ms). Here the copy runs beside the writers (a passive checkpoint
/// takes no write lock); only when the log has grown past <see cref="RestartAfterPages"/> is a last, short pass
/// run with the write gate held, so that it catches up completely and the next commit starts the log from the
/// beginning again — otherwise a log written to without a pause would never be reused and would grow forever.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    public const int RestartAfterPages = 4_096;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;

    public SqliteCheckpointer(string connectionString, SemaphoreSlim writeGate)
    {
        _connectionString = connectionString;
        _writeGate = writeGate;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpointer" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
    }

    private void Run()
    {
        var stopping = _stopping.Token;
        while (!stopping.WaitHandle.WaitOne(Interval))
        {
            TryCheckpoint(stopping);
        }

        // What the last commits left in the log is copied now rather than at the next start (passively: a writer
        // still holding the gate at shutdown must not keep the process from stopping).
        TryCheckpoint(stopping);
    }

    private void TryCheckpoint(CancellationToken stopping)
    {
        try
        {
            CheckpointOnce(stopping);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception)
        {
            // A full disk or a busy database is tried again at the next interval; the log keeps every commit until
            // then, and writers report their own failures. This thread must not end the process.
        }
    }

    private void CheckpointOnce(CancellationToken stopping)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (CheckpointPassive(connection) < RestartAfterPages || stopping.IsCancellationRequested)
        {
            return;
        }

        _writeGate.Wait(stopping);
        try
        {
            CheckpointPassive(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Copies what it can without waiting for anyone; returns the log's length in pages.</summary>
    private static long CheckpointPassive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }
}
