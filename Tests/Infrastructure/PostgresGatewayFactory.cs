namespace GrainChat.Tests.Infrastructure;

/// <summary>The test Gateway on a PostgreSQL database (one from <see cref="PostgresServer.CreateDatabaseAsync"/>).</summary>
public sealed class PostgresGatewayFactory(string connectionString) : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["GrainChat:Storage:Provider"] = "Postgres",
        ["ConnectionStrings:GrainChat"] = connectionString,
    };
}
