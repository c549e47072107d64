using GrainChat.Silo.Persistence.Sql;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// The chat's own tables, beside grain state: the append-only message log, the room and user directories that
/// listing and uniqueness rely on, and the lobby's session index. Times are Unix milliseconds (UTC), so both
/// databases share the SQL.
/// </summary>
public static class ChatSchema
{
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS messages (
            room_id           TEXT   NOT NULL,
            seq               BIGINT NOT NULL,
            sender            TEXT   NOT NULL,
            text              TEXT   NOT NULL,
            client_message_id TEXT   NULL,
            created_at        BIGINT NOT NULL,
            PRIMARY KEY (room_id, seq)
        ){0};
        CREATE UNIQUE INDEX IF NOT EXISTS messages_client_message_id
            ON messages (room_id, sender, client_message_id) WHERE client_message_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS messages_created_at ON messages (created_at);
        CREATE TABLE IF NOT EXISTS rooms (
            room_id      TEXT    NOT NULL PRIMARY KEY,
            room_name    TEXT    NOT NULL,
            name_key     TEXT    NOT NULL UNIQUE,
            created_by   TEXT    NOT NULL,
            created_at   BIGINT  NOT NULL,
            member_count INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS users (
            user_key   TEXT   NOT NULL PRIMARY KEY,
            username   TEXT   NOT NULL,
            created_at BIGINT NOT NULL,
            last_seen  BIGINT NULL
        );
        """;

    private const string LobbyTables = """
        CREATE TABLE IF NOT EXISTS lobby_sessions (
            session_key  TEXT    NOT NULL PRIMARY KEY,
            state        TEXT    NOT NULL,
            player_count INTEGER NOT NULL,
            max_players  INTEGER NOT NULL,
            created_at   BIGINT  NOT NULL,
            session      TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS lobby_sessions_state ON lobby_sessions (state, created_at);
        """;

    public static readonly StorageMigration Lobby = new(3, "lobby: session index", LobbyTables, LobbyTables);

    private const string ChangeColumns = """
        ALTER TABLE messages ADD COLUMN reply_to BIGINT NULL;
        ALTER TABLE messages ADD COLUMN edited_at BIGINT NULL;
        ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN mentions TEXT NULL;
        ALTER TABLE messages ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS messages_revision ON messages (room_id, revision) WHERE revision > 0;
        CREATE TABLE IF NOT EXISTS message_reactions (
            room_id    TEXT   NOT NULL,
            seq        BIGINT NOT NULL,
            emoji      TEXT   NOT NULL,
            username   TEXT   NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (room_id, seq, emoji, username)
        ){0};
        CREATE TABLE IF NOT EXISTS read_markers (
            user_key     TEXT   NOT NULL,
            room_id      TEXT   NOT NULL,
            last_read_id BIGINT NOT NULL,
            PRIMARY KEY (user_key, room_id)
        ){0};
        """;

    private const string SqliteSearch = """
        CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS message_search (
            room_id TEXT    NOT NULL,
            seq     BIGINT  NOT NULL,
            fts_id  INTEGER NOT NULL,
            PRIMARY KEY (room_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS message_search_fts ON message_search (fts_id);
        INSERT INTO messages_fts (rowid, text) SELECT ROW_NUMBER() OVER (ORDER BY room_id, seq), text FROM messages;
        INSERT INTO message_search (room_id, seq, fts_id) SELECT room_id, seq, ROW_NUMBER() OVER (ORDER BY room_id, seq) FROM messages;
        CREATE TRIGGER IF NOT EXISTS messages_search_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (text) VALUES (NEW.text);
            INSERT INTO message_search (room_id, seq, fts_id) VALUES (NEW.room_id, NEW.seq, last_insert_rowid());
        END;
        CREATE TRIGGER IF NOT EXISTS messages_search_update AFTER UPDATE OF text ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = (SELECT fts_id FROM message_search WHERE room_id = NEW.room_id AND seq = NEW.seq);
            INSERT INTO messages_fts (text) VALUES (NEW.text);
            UPDATE message_search SET fts_id = last_insert_rowid() WHERE room_id = NEW.room_id AND seq = NEW.seq;
        END;
        """;

    private const string PostgresSearch = """
        CREATE INDEX IF NOT EXISTS messages_search ON messages USING GIN (to_tsvector('simple', text));
        """;

    /// <summary>
    /// Full-text search: on SQLite an FTS5 table kept in step by triggers (inserts, edits, and deletions, which
    /// empty the text; migration 6 replaced the insert trigger with indexing after the commit); on PostgreSQL a
    /// GIN index on the text's <c>tsvector</c>.
    /// </summary>
    public static readonly StorageMigration Search = new(5, "chat: full-text search", SqliteSearch, PostgresSearch);

    private const string SqliteSearchAfterCommit = """
        DROP TRIGGER IF EXISTS messages_search_insert;
        DROP TRIGGER IF EXISTS messages_search_update;
        CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = (SELECT fts_id FROM message_search WHERE room_id = NEW.room_id AND seq = NEW.seq);
            INSERT INTO messages_fts (text) VALUES (NEW.text);
            INSERT OR REPLACE INTO message_search (room_id, seq, fts_id) VALUES (NEW.room_id, NEW.seq, last_insert_rowid());
        END;
        """;

    /// <summary>
    /// SQLite: new messages are indexed in batches after their commit (<see cref="SqliteSearchIndexer"/>), not by a
    /// trigger in the writer's transaction; an edit still re-indexes in its own transaction, and maps a message
    /// the batches have not reached yet. PostgreSQL: unchanged.
    /// </summary>
    public static readonly StorageMigration SearchIndexedAfterCommit = new(6, "chat: search indexed after commit", SqliteSearchAfterCommit, "SELECT 1;");

    private const string ClientIdsInTimeOrder = """
        DROP INDEX IF EXISTS messages_client_message_id;
        CREATE UNIQUE INDEX messages_client_message_id
            ON messages (room_id, client_message_id, sender) WHERE client_message_id IS NOT NULL;
        """;

    /// <summary>
    /// The index that makes a repeated client message id idempotent, keyed room first and then the id: time-ordered
    /// ids (UUID version 7, which the web client sends) then land at the end of their room's part of the index, so a
    /// commit writes a page per room instead of a page per message (random ids, keyed room, sender, id, put every
    /// insert on a page of its own). Lookups by room, sender and id use it either way.
    /// </summary>
    public static readonly StorageMigration ClientIdIndexInTimeOrder = new(7, "chat: client message ids indexed room first, then id", ClientIdsInTimeOrder, ClientIdsInTimeOrder);

    /// <summary>
    /// Gives every message without a search id the next ones, in (room, id) order, above every id taken and every
    /// row of the index. Run by migration 8, and by the search indexer's recovery for rows written without one.
    /// </summary>
    internal static string AssignSearchIdsAbove(string index) => $"""
        UPDATE messages SET search_id = numbered.search_id
        FROM (
            SELECT room_id, seq,
                   (SELECT MAX(COALESCE((SELECT MAX(search_id) FROM messages), 0), COALESCE((SELECT MAX(rowid) FROM {index}), 0)))
                   + ROW_NUMBER() OVER (ORDER BY room_id, seq) AS search_id
            FROM messages WHERE search_id IS NULL
        ) AS numbered
        WHERE messages.room_id = numbered.room_id AND messages.seq = numbered.seq;
        """;

    private static readonly string SqliteSearchIds = $"""
        ALTER TABLE messages ADD COLUMN search_id INTEGER NULL;
        UPDATE messages SET search_id = s.fts_id FROM message_search s WHERE s.room_id = messages.room_id AND s.seq = messages.seq;
        {AssignSearchIdsAbove("messages_fts")}
        CREATE UNIQUE INDEX messages_search_id ON messages (search_id);
        DROP TRIGGER IF EXISTS messages_search_update;
        CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages WHEN NEW.search_id IS NOT NULL BEGIN
            DELETE FROM messages_fts WHERE rowid = OLD.search_id;
            INSERT INTO messages_fts (rowid, text) VALUES (NEW.search_id, NEW.text);
        END;
        DROP TABLE message_search;
        """;

    /// <summary>
    /// SQLite: each message carries its row id in the full-text index (<c>search_id</c>), handed out by the log's
    /// writer in commit order, instead of a <c>message_search</c> table mapping (room, id) to it. Inserting into
    /// that table's (room, id) key touched a page per room in every indexing transaction: about half of the
    /// indexer's CPU and seven in eight of its WAL pages (bench/RESULTS.md). Ids already in the index are kept, so
    /// nothing is re-indexed. PostgreSQL: unchanged.
    /// </summary>
    public static readonly StorageMigration SearchIds = new(8, "chat: messages carry their search index row id", SqliteSearchIds, "SELECT 1;");

    private const string SqliteSearchIndexFile = """
        DROP TRIGGER IF EXISTS messages_search_update;
        DROP TABLE IF EXISTS messages_fts;
        CREATE TABLE search_changes (
            change_id INTEGER PRIMARY KEY,
            search_id INTEGER NOT NULL
        );
        CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages WHEN NEW.search_id IS NOT NULL BEGIN
            INSERT INTO search_changes (search_id) VALUES (NEW.search_id);
        END;
        """;

    /// <summary>
    /// SQLite: the full-text index moves to a database file of its own (<see cref="SqliteSearchIndexer"/>), rebuilt
    /// there from the messages at the first start after the upgrade. A trigger can only write to its own file, so an
    /// edit's now lists the message in <c>search_changes</c>, for the indexer. PostgreSQL: unchanged.
    /// </summary>
    public static readonly StorageMigration SearchIndexInItsOwnFile = new(9, "chat: search index in a file of its own", SqliteSearchIndexFile, "SELECT 1;");

    /// <summary>Edits, deletions (tombstones), replies, mentions and a per-room change counter; reactions; read markers.</summary>
    public static readonly StorageMigration MessageChanges = new(
        4,
        "chat: message changes, reactions, read markers",
        string.Format(System.Globalization.CultureInfo.InvariantCulture, ChangeColumns, " WITHOUT ROWID"),
        string.Format(System.Globalization.CultureInfo.InvariantCulture, ChangeColumns, ""));

    public static readonly StorageMigration Chat = new(
        2,
        "chat: messages, rooms, users",
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Tables, " WITHOUT ROWID"),
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Tables, ""));
}
