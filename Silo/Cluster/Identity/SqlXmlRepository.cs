using System.Xml.Linq;
using GrainChat.Silo.Persistence.Sql;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace GrainChat.Silo.Cluster.Identity;

/// <summary>
/// The Data Protection key ring in PostgreSQL, so every node of a cluster protects and reads tokens with the same
/// keys even on separate machines with separate disks. A node that meets a token made with a key it has not loaded
/// yet re-reads the ring (Data Protection does that by itself on an unknown key id).
/// </summary>
internal sealed class SqlXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public static readonly StorageMigration Migration = new(
        12,
        "cluster: shared data protection keys",
        "SELECT 1",
        """
        CREATE TABLE IF NOT EXISTS data_protection_keys (
            friendly_name TEXT        NOT NULL PRIMARY KEY,
            xml           TEXT        NOT NULL,
            created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        """);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY created_at, friendly_name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
