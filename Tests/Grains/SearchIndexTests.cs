using GrainChat.Chat;
using GrainChat.Silo.Persistence.Chat;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>SQLite's search index, written in batches after each commit rather than inside it, in a file of its own.</summary>
public sealed class SearchIndexTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-search-");

    private string DatabaseFile => Path.Combine(_directory.FullName, "chat.db");

    private string SearchIndexFile => Path.Combine(_directory.FullName, "chat.search.db");

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

        // Committed by the log, with their search ids, then the process died before its indexing batch ran.
        await ExecuteAsync("""
            INSERT INTO messages (room_id, seq, sender, text, created_at, search_id) VALUES ('room-a', 2, 'alice', 'stranded walrus', 0, (SELECT MAX(search_id) + 1 FROM messages));
            INSERT INTO messages (room_id, seq, sender, text, created_at, search_id) VALUES ('room-a', 3, 'alice', 'second walrus', 0, (SELECT MAX(search_id) + 1 FROM messages));
            """);

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

    [Fact]
    public async Task Edits_and_deletions_racing_with_sends_and_the_indexers_start_leave_every_message_found_by_its_current_text_only()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var log = silo.Services.GetRequiredService<IMessageLog>();
        var changes = silo.Services.GetRequiredService<IMessageChanges>();
        const int Count = 120;

        // The first append starts the indexer, whose start-up reads the tables while these go on.
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Task.Run(async () =>
        {
            var posted = await log.AppendAsync($"room-{i % 3}", "alice", $"first{i}", null);
            if (i % 3 == 1)
            {
                await changes.EditAsync(posted.Message.RoomId, posted.Message.Id, $"second{i}", [], DateTimeOffset.UtcNow);
            }
            else if (i % 3 == 2)
            {
                await changes.DeleteAsync(posted.Message.RoomId, posted.Message.Id);
            }
        })));

        var search = silo.Services.GetRequiredService<IMessageSearch>();
        string[] rooms = ["room-0", "room-1", "room-2"];
        for (var i = 0; i < Count; i++)
        {
            var first = (await search.SearchAsync(Query($"first{i}"), rooms)).Select(m => m.Text);
            var second = (await search.SearchAsync(Query($"second{i}"), rooms)).Select(m => m.Text);
            Assert.Equal((i % 3) switch { 0 => [$"first{i}"], _ => [] }, first);
            Assert.Equal((i % 3) switch { 1 => [$"second{i}"], _ => [] }, second);
        }
    }

    [Fact]
    public async Task Messages_stored_without_a_search_id_are_given_one_and_found_after_the_next_start()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            await first.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "logged puffin", null);
        }

        // Written by hand (or by a build from before search ids), not by the log.
        await ExecuteAsync("INSERT INTO messages (room_id, seq, sender, text, created_at) VALUES ('room-b', 1, 'bob', 'handwritten puffin', 0)");

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var appended = await second.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "later puffin", null);
        var search = second.Services.GetRequiredService<IMessageSearch>();

        // The hand-written row's id comes from the indexer's start, which need not precede the append's.
        var found = await search.SearchAsync(Query("puffin"), ["room-a", "room-b"]);
        Assert.True(appended.Created);
        Assert.Equal(["handwritten puffin", "later puffin", "logged puffin"], found.Select(m => m.Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_edited_message_keeps_its_place_among_the_results()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var log = silo.Services.GetRequiredService<IMessageLog>();
        var first = await log.AppendAsync("room-a", "alice", "first otter", null);
        await log.AppendAsync("room-a", "alice", "second otter", null);
        var search = silo.Services.GetRequiredService<IMessageSearch>();
        await search.SearchAsync(Query("otter"), ["room-a"]);

        await silo.Services.GetRequiredService<IMessageChanges>().EditAsync("room-a", first.Message.Id, "first otter, edited", [], DateTimeOffset.UtcNow);

        Assert.Equal([2L, 1L], (await search.SearchAsync(Query("otter"), ["room-a"])).Select(m => m.Id));
        Assert.Equal(first.Message.Id, Assert.Single(await search.SearchAsync(Query("edited"), ["room-a"])).Id);
    }

    [Fact]
    public async Task A_database_from_before_search_ids_still_finds_every_message_and_indexes_edits_after_the_upgrade()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            var log = first.Services.GetRequiredService<IMessageLog>();
            await log.AppendAsync("room-a", "alice", "old badger", null);
            await log.AppendAsync("room-a", "alice", "old stoat", null);
            await first.Services.GetRequiredService<IMessageSearch>().SearchAsync(Query("badger"), ["room-a"]);
        }

        // Put the database back as migration 7 left it: the index inside the chat database, a message_search table
        // mapping (room, id) to its row ids, the edit trigger that kept it, and one message committed but not yet indexed.
        DeleteSearchIndexFile();
        await ExecuteAsync("""
            CREATE VIRTUAL TABLE messages_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO messages_fts (rowid, text) SELECT search_id, text FROM messages;
            CREATE TABLE message_search (room_id TEXT NOT NULL, seq BIGINT NOT NULL, fts_id INTEGER NOT NULL, PRIMARY KEY (room_id, seq)) WITHOUT ROWID;
            CREATE INDEX message_search_fts ON message_search (fts_id);
            INSERT INTO message_search (room_id, seq, fts_id) SELECT room_id, seq, search_id FROM messages;
            DROP TRIGGER messages_search_update;
            DROP TABLE search_changes;
            DROP INDEX messages_search_id;
            ALTER TABLE messages DROP COLUMN search_id;
            CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
                DELETE FROM messages_fts WHERE rowid = (SELECT fts_id FROM message_search WHERE room_id = NEW.room_id AND seq = NEW.seq);
                INSERT INTO messages_fts (text) VALUES (NEW.text);
                INSERT OR REPLACE INTO message_search (room_id, seq, fts_id) VALUES (NEW.room_id, NEW.seq, last_insert_rowid());
            END;
            INSERT INTO messages (room_id, seq, sender, text, created_at) VALUES ('room-a', 3, 'alice', 'unindexed badger', 0);
            DELETE FROM grainchat_schema WHERE version IN (8, 9);
            """);

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        await second.Services.GetRequiredService<IMessageChanges>().EditAsync("room-a", 2, "renamed badger", [], DateTimeOffset.UtcNow);
        await second.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "new badger", null);
        var search = second.Services.GetRequiredService<IMessageSearch>();

        Assert.Equal([4L, 3L, 2L, 1L], (await search.SearchAsync(Query("badger"), ["room-a"])).Select(m => m.Id));
        Assert.Empty(await search.SearchAsync(Query("stoat"), ["room-a"]));
    }

    [Fact]
    public async Task A_database_whose_index_was_inside_it_finds_every_message_and_indexes_edits_after_the_upgrade()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            var log = first.Services.GetRequiredService<IMessageLog>();
            await log.AppendAsync("room-a", "alice", "old heron", null);
            await log.AppendAsync("room-a", "alice", "old egret", null);
        }

        // Put the database back as migration 8 left it: the index inside the chat database, kept by an edit trigger.
        DeleteSearchIndexFile();
        await ExecuteAsync("""
            DROP TRIGGER messages_search_update;
            DROP TABLE search_changes;
            CREATE VIRTUAL TABLE messages_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO messages_fts (rowid, text) SELECT search_id, text FROM messages;
            CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages WHEN NEW.search_id IS NOT NULL BEGIN
                DELETE FROM messages_fts WHERE rowid = OLD.search_id;
                INSERT INTO messages_fts (rowid, text) VALUES (NEW.search_id, NEW.text);
            END;
            DELETE FROM grainchat_schema WHERE version = 9;
            """);

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        await second.Services.GetRequiredService<IMessageChanges>().EditAsync("room-a", 2, "renamed heron", [], DateTimeOffset.UtcNow);
        var search = second.Services.GetRequiredService<IMessageSearch>();

        Assert.Equal([2L, 1L], (await search.SearchAsync(Query("heron"), ["room-a"])).Select(m => m.Id));
        Assert.Empty(await search.SearchAsync(Query("egret"), ["room-a"]));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_fts'"));
    }

    [Fact]
    public async Task A_deleted_search_index_file_is_rebuilt_whole_at_the_next_start()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            var log = first.Services.GetRequiredService<IMessageLog>();
            var posted = await log.AppendAsync("room-a", "alice", "lost lynx", null);
            await log.AppendAsync("room-b", "bob", "other lynx", null);
            await first.Services.GetRequiredService<IMessageChanges>().EditAsync("room-a", posted.Message.Id, "found lynx", [], DateTimeOffset.UtcNow);
            await first.Services.GetRequiredService<IMessageSearch>().SearchAsync(Query("lynx"), ["room-a"]);
        }

        DeleteSearchIndexFile();

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var search = second.Services.GetRequiredService<IMessageSearch>();
        Assert.Equal(["found lynx", "other lynx"], (await search.SearchAsync(Query("lynx"), ["room-a", "room-b"])).Select(m => m.Text).Order(StringComparer.Ordinal));
        Assert.Empty(await search.SearchAsync(Query("lost"), ["room-a"]));
    }

    [Fact]
    public async Task An_edit_committed_but_not_yet_indexed_when_the_process_stopped_is_found_by_its_new_text_after_the_next_start()
    {
        await using (var first = await MessageLogTests.StartChatSiloAsync(DatabaseFile))
        {
            await first.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", "plain marten", null);
            await first.Services.GetRequiredService<IMessageSearch>().SearchAsync(Query("marten"), ["room-a"]);
        }

        // Committed with its entry in the list of changes (the trigger's), then the process died before indexing it.
        await ExecuteAsync("UPDATE messages SET text = 'striped sable', edited_at = 1 WHERE room_id = 'room-a' AND seq = 1");

        await using var second = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var search = second.Services.GetRequiredService<IMessageSearch>();
        Assert.Empty(await search.SearchAsync(Query("marten"), ["room-a"]));
        Assert.Equal("striped sable", Assert.Single(await search.SearchAsync(Query("sable"), ["room-a"])).Text);
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM search_changes"));
    }

    [Fact]
    public async Task Indexing_goes_on_while_another_writer_holds_the_chat_databases_write_lock()
    {
        await using var silo = await MessageLogTests.StartChatSiloAsync(DatabaseFile);
        var search = silo.Services.GetRequiredService<IMessageSearch>();
        await search.SearchAsync(Query("started"), ["room-a"]);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => silo.Services.GetRequiredService<IMessageLog>().AppendAsync("room-a", "alice", $"locked kestrel{i}", null)));

        // Another process in the middle of a write transaction on the chat database.
        await using var other = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False");
        await other.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false);

        var found = await search.SearchAsync(Query("kestrel99"), ["room-a"]).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("locked kestrel99", Assert.Single(found).Text);
    }

    [Fact]
    public async Task An_in_memory_chat_database_gets_an_in_memory_search_index_that_its_connections_share()
    {
        using var dialect = new SqliteDialect($"Data Source=search-index-{Guid.NewGuid():N};Mode=Memory;Cache=Shared");
        await using var writer = await dialect.OpenWithSearchIndexAsync(CancellationToken.None);
        await using (var insert = writer.CreateCommand())
        {
            insert.CommandText = "INSERT INTO search.messages_fts (rowid, text) VALUES (7, 'shared wren')";
            await insert.ExecuteNonQueryAsync();
        }

        await using var reader = await dialect.OpenWithSearchIndexAsync(CancellationToken.None);
        await using var match = reader.CreateCommand();
        match.CommandText = "SELECT rowid FROM search.messages_fts WHERE messages_fts MATCH 'wren'";
        Assert.Equal(7L, await match.ExecuteScalarAsync());
        Assert.False(File.Exists(dialect.SearchIndexFile));
    }

    private void DeleteSearchIndexFile()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { SearchIndexFile, SearchIndexFile + "-wal", SearchIndexFile + "-shm" })
        {
            File.Delete(file);
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static SearchQuery Query(string term, int limit = SearchQuery.DefaultLimit) => new([term], null, limit);
}
