namespace GrainChat.Silo.Persistence.Sql;

/// <summary>
/// One step of the database schema. Steps run once each, in version order, recorded in <c>grainchat_schema</c>.
/// Register more with <c>services.AddSingleton(new StorageMigration(...))</c>; versions must be unique.
/// </summary>
public sealed record StorageMigration(int Version, string Description, string SqliteSql, string PostgresSql);

internal static class CoreMigrations
{
    /// <summary>The grain state table, modelled on Orleans' <c>OrleansStorage</c>: type, key, JSON payload, integer version, modification time.</summary>
    public static readonly StorageMigration GrainState = new(
        1,
        "grain state",
        """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type  TEXT    NOT NULL,
            grain_key   TEXT    NOT NULL,
            state_name  TEXT    NOT NULL,
            payload     TEXT    NULL,
            version     INTEGER NOT NULL,
            modified_on TEXT    NOT NULL,
            PRIMARY KEY (grain_type, grain_key, state_name)
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type  TEXT        NOT NULL,
            grain_key   TEXT        NOT NULL,
            state_name  TEXT        NOT NULL,
            payload     TEXT        NULL,
            version     BIGINT      NOT NULL,
            modified_on TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (grain_type, grain_key, state_name)
        );
        """);
}
