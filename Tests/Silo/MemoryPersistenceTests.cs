using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Silo;

public sealed class MemoryPersistenceTests
{
    [Fact]
    public async Task A_write_with_a_stale_etag_changes_nothing()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        await PersistenceScenarios.StaleEtagWriteChangesNothing(silo);
    }

    [Fact]
    public async Task Clearing_state_leaves_a_versioned_tombstone()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        await PersistenceScenarios.ClearLeavesAVersionedTombstone(silo);
    }
}
