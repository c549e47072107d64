using GrainChat.Chat;
using GrainChat.Silo.Persistence.Chat;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>SQLite's search index, written in batches after each commit rather than inside it.</summary>
public sealed class SearchIndexTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-search-");

    private string DatabaseFile => Path.Combine(_directory.FullName, "chat.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_search_right_after_a_burst_of_sends_finds_every_acknowledged_message()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var log = silo.Services.GetRequiredService<IMessageLog>();

        // More than one indexing batch, all acknowledged before the first search.
        await Task.WhenAll(Enumerable.Range(0, 5000).Select(i => log.AppendAsync($"room-{i % 7}", "alice", $"burst word{i}", $"c{i}")));

        var search = silo.Services.GetRequiredService<IMessageSearch>();
        var rooms = Enumerable.Range(0, 7).Select(r => $"room-{r}").ToArray();
        foreach (var i in new[] { 0, 2500, 4999 })
        {
            var hit = Assert.Single(await search.SearchAsync(Query($"word{i}"), rooms));
            Assert.Equal($"burst word{i}", hit.Text);
        }

        Assert.Equal(SearchQuery.MaxLimit, (await search.SearchAsync(Query("burst", SearchQuery.MaxLimit), rooms)).Count);
    }

    [Fact]
    public async Task A_search_made_while_a_batch_is_indexed_at_its_pace_finds_the_whole_batch()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var log = silo.Services.GetRequiredService<IMessageLog>();
        var count = 10 * SqliteSearchIndexer.PacedTransactionSize;
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => log.AppendAsync("room-a", "alice", $"paced word{i}", $"c{i}")));

        // The batch gathers for its window, then its transactions are spread over the pacing span: search amid them.
        await Task.Delay(SqliteSearchIndexer.BatchWindow + (SqliteSearchIndexer.PacingSpan / 4));
        var search = silo.Services.GetRequiredService<IMessageSearch>();

        var last = await search.SearchAsync(Query($"word{count - 1}"), ["room-a"]).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal($"paced word{count - 1}", Assert.Single(last).Text);
        Assert.Equal(SearchQuery.MaxLimit, (await search.SearchAsync(Query("paced", SearchQuery.MaxLimit), ["room-a"])).Count);
    }

    [Fact]
    public async Task Messages_stored_but_not_yet_indexed_when_the_process_stopped_are_found_after_the_next_start()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            await first.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "indexed before the stop", null);
        }

        // Committed by the log, then the process died before its indexing batch ran.
        await using (var connection = new SqliteConnection($"Data Source={DatabaseFile}"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO messages (room_id, seq, sender, text, created_at) VALUES ('room-a', 2, 'alice', 'stranded walrus', 0), ('room-a', 3, 'alice', 'second walrus', 0)";
            await insert.ExecuteNonQueryAsync();
        }

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var search = second.Services.GetRequiredService<IMessageSearch>();

        Assert.Equal([3L, 2L], (await search.SearchAsync(Query("walrus"), ["room-a"])).Select(m => m.Id));
        Assert.Single(await search.SearchAsync(Query("indexed"), ["room-a"]));
    }

    [Fact]
    public async Task A_message_edited_before_its_batch_was_indexed_is_found_by_its_new_text_only()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var posted = await silo.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "original heron", null);

        await silo.Services.GetRequiredService<IMessageChanges>().EditAsync("room-a", posted.Message.Id, "edited egret", [], DateTimeOffset.UtcNow);

        var search = silo.Services.GetRequiredService<IMessageSearch>();
        Assert.Empty(await search.SearchAsync(Query("heron"), ["room-a"]));
        Assert.Equal("edited egret", Assert.Single(await search.SearchAsync(Query("egret"), ["room-a"])).Text);
    }

    private static SearchQuery Query(string term, int limit = SearchQuery.DefaultLimit) => new([term], null, limit);
}
