using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Silo;

[Collection(PostgresCollection.Name)]
public sealed class PostgresPersistenceTests(PostgresServer server)
{
    [PostgresFact]
    public async Task State_survives_deactivation_and_a_full_restart()
    {
        var database = await server.CreateDatabaseAsync();
        await PersistenceScenarios.StateSurvivesDeactivationAndRestart(() => TestSilo.StartPostgresAsync(database));
    }

    [PostgresFact]
    public async Task Two_silos_racing_on_one_record_one_wins_and_nothing_is_lost()
    {
        var database = await server.CreateDatabaseAsync();
        await PersistenceScenarios.RacingWritersOnTwoSilosLoseNothing(() => TestSilo.StartPostgresAsync(database));
    }

    [PostgresFact]
    public async Task A_write_with_a_stale_etag_changes_nothing()
    {
        await using var silo = await TestSilo.StartPostgresAsync(await server.CreateDatabaseAsync());
        await PersistenceScenarios.StaleEtagWriteChangesNothing(silo);
    }

    [PostgresFact]
    public async Task Clearing_state_leaves_a_versioned_tombstone()
    {
        await using var silo = await TestSilo.StartPostgresAsync(await server.CreateDatabaseAsync());
        await PersistenceScenarios.ClearLeavesAVersionedTombstone(silo);
    }

    [PostgresFact]
    public async Task Graceful_shutdown_waits_for_an_in_flight_write()
    {
        var database = await server.CreateDatabaseAsync();
        await PersistenceScenarios.ShutdownWaitsForAnInFlightWrite(() => TestSilo.StartPostgresAsync(database));
    }

    [PostgresFact]
    public async Task Silos_starting_together_migrate_the_schema_once()
    {
        var database = await server.CreateDatabaseAsync();

        var silos = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TestSilo.StartPostgresAsync(database)));
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }

        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM grainchat_schema WHERE version = 1", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}
