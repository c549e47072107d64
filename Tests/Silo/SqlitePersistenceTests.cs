using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Silo;

public sealed class SqlitePersistenceTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-sqlite-");

    private string DatabaseFile => Path.Combine(_directory.FullName, "nested", "grainchat.db");

    [Fact]
    public Task State_survives_deactivation_and_a_full_restart() =>
        PersistenceScenarios.StateSurvivesDeactivationAndRestart(Start);

    [Fact]
    public Task Two_silos_racing_on_one_record_one_wins_and_nothing_is_lost() =>
        PersistenceScenarios.RacingWritersOnTwoSilosLoseNothing(Start);

    [Fact]
    public async Task A_write_with_a_stale_etag_changes_nothing()
    {
        await using var silo = await Start();
        await PersistenceScenarios.StaleEtagWriteChangesNothing(silo);
    }

    [Fact]
    public async Task Clearing_state_leaves_a_versioned_tombstone()
    {
        await using var silo = await Start();
        await PersistenceScenarios.ClearLeavesAVersionedTombstone(silo);
    }

    [Fact]
    public Task Graceful_shutdown_waits_for_an_in_flight_write() =>
        PersistenceScenarios.ShutdownWaitsForAnInFlightWrite(Start);

    [Fact]
    public async Task The_database_file_is_in_wal_mode_with_the_schema_recorded()
    {
        await using (await Start())
        {
        }

        await using var second = await Start();
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabaseFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; ";
        var journal = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "SELECT count(*) FROM grainchat_schema WHERE version = 1";
        var recorded = (long)(await command.ExecuteScalarAsync())!;

        Assert.Equal("wal", journal);
        Assert.Equal(1, recorded);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private Task<TestSilo> Start() => TestSilo.StartSqliteAsync(DatabaseFile);
}
