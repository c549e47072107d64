using GrainChat.Silo.Persistence.Sql;

namespace GrainChat.Bench;

/// <summary>The storage floor: one UPDATE of one row per operation, on the same connection pool and write gate as grain storage.</summary>
internal static class RawFloor
{
    public static async Task PrepareAsync(SqlDialect dialect, int rows)
    {
        await using var connection = await dialect.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, version BIGINT NOT NULL)";
        await command.ExecuteNonQueryAsync();
        for (var i = 0; i < rows; i++)
        {
            command.CommandText = $"INSERT INTO bench_floor (id, payload, version) VALUES ({i}, '{{}}', 0) ON CONFLICT DO NOTHING";
            await command.ExecuteNonQueryAsync();
        }
    }

    public static Task UpdateAsync(SqlDialect dialect, int row) =>
        dialect.WriteAsync(async (connection, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE bench_floor SET payload = @payload, version = version + 1 WHERE id = @id";
            command.AddParameter("payload", """{"value":1}""");
            command.AddParameter("id", row);
            return await command.ExecuteNonQueryAsync(ct);
        }, default);
}
