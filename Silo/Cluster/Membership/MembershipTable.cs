using System.Text.Json;
using GrainChat.Silo.Persistence.Sql;
using Npgsql;

namespace GrainChat.Silo.Cluster.Membership;

/// <summary>
/// The cluster's membership table in PostgreSQL (Orleans' ADO.NET clustering model). Heartbeat times come from the
/// database clock, so nodes need not agree on theirs; every status change is a conditional update and is announced
/// on the <see cref="Channel"/> notification channel.
/// </summary>
internal sealed class MembershipTable(NpgsqlDataSource dataSource, string cluster)
{
    public const string Channel = "grainchat_membership";

    private const string Columns = "address, port, generation, status, hosts_grains, role, host_name, started_at, heartbeat, version, load";

    public static readonly StorageMigration Migration = new(
        10,
        "cluster: membership",
        "SELECT 1",
        """
        CREATE TABLE IF NOT EXISTS cluster_members (
            cluster      TEXT        NOT NULL,
            address      TEXT        NOT NULL,
            port         INTEGER     NOT NULL,
            generation   BIGINT      NOT NULL,
            status       TEXT        NOT NULL,
            hosts_grains BOOLEAN     NOT NULL,
            role         TEXT        NOT NULL,
            host_name    TEXT        NOT NULL,
            started_at   TIMESTAMPTZ NOT NULL,
            heartbeat    TIMESTAMPTZ NOT NULL,
            version      BIGINT      NOT NULL,
            load         TEXT        NULL,
            PRIMARY KEY (cluster, address, port, generation)
        );
        """);

    /// <summary>Adds this silo as Joining, and declares dead any older generation on the same endpoint (it restarted).</summary>
    public async Task InsertAsync(SiloAddress silo, bool hostsGrains, string role, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO cluster_members (cluster, address, port, generation, status, hosts_grains, role, host_name, started_at, heartbeat, version)
            VALUES ($1, $2, $3, $4, 'Joining', $5, $6, $7, now(), now(), 1)
            """,
            cluster, silo.Host, silo.Port, silo.Generation, hostsGrains, role, Environment.MachineName));
        batch.BatchCommands.Add(Command(
            "UPDATE cluster_members SET status = 'Dead', version = version + 1 WHERE cluster = $1 AND address = $2 AND port = $3 AND generation < $4 AND status <> 'Dead'",
            cluster, silo.Host, silo.Port, silo.Generation));
        batch.BatchCommands.Add(Notify());
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves this silo to <paramref name="status"/> unless it was declared dead; false when it was.</summary>
    public async Task<bool> SetStatusAsync(SiloAddress silo, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            "UPDATE cluster_members SET status = $5, version = version + 1, heartbeat = now() WHERE cluster = $1 AND address = $2 AND port = $3 AND generation = $4 AND status <> 'Dead'",
            cluster, silo.Host, silo.Port, silo.Generation, status.ToString()));
        batch.BatchCommands.Add(Notify());
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected == 1;
    }

    /// <summary>Stamps this silo's heartbeat with the database clock; false when it has been declared dead.</summary>
    public async Task<bool> HeartbeatAsync(SiloAddress silo, SiloLoad load, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE cluster_members SET heartbeat = now(), version = version + 1, load = $5 WHERE cluster = $1 AND address = $2 AND port = $3 AND generation = $4 AND status <> 'Dead'");
        AddParameters(command.Parameters, cluster, silo.Host, silo.Port, silo.Generation, JsonSerializer.Serialize(load));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Declares dead every member silent for longer than <paramref name="deadAfter"/>; returns those it declared.</summary>
    public async Task<IReadOnlyList<SiloAddress>> DeclareSilentDeadAsync(TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE cluster_members SET status = 'Dead', version = version + 1
            WHERE cluster = $1 AND status <> 'Dead' AND heartbeat < now() - $2
            RETURNING address, port, generation
            """);
        AddParameters(command.Parameters, cluster, deadAfter);
        var declared = new List<SiloAddress>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                declared.Add(new SiloAddress(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
            }
        }

        if (declared.Count > 0)
        {
            await using var notify = dataSource.CreateCommand($"SELECT pg_notify('{Channel}', $1)");
            notify.Parameters.Add(new NpgsqlParameter { Value = cluster });
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return declared;
    }

    /// <summary>Every member that is alive or died within the last hour; older dead rows are removed.</summary>
    public async Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("DELETE FROM cluster_members WHERE cluster = $1 AND status = 'Dead' AND heartbeat < now() - interval '1 day'", cluster));
        batch.BatchCommands.Add(Command(
            $"SELECT {Columns} FROM cluster_members WHERE cluster = $1 AND (status <> 'Dead' OR heartbeat > now() - interval '1 hour') ORDER BY started_at, address, port",
            cluster));
        var entries = new List<MembershipEntry>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new MembershipEntry(
                new SiloAddress(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)),
                Enum.Parse<SiloStatus>(reader.GetString(3)),
                reader.GetBoolean(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetInt64(9),
                reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<SiloLoad>(reader.GetString(10))));
        }

        return entries;
    }

    private NpgsqlBatchCommand Notify() => Command($"SELECT pg_notify('{Channel}', $1)", cluster);

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, values);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, params object[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}
