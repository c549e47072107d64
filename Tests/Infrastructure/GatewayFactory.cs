using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GrainChat.Tests.Infrastructure;

/// <summary>The Gateway in-process on its own temporary SQLite file.</summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-gateway-");

    public string DatabaseFile => Path.Combine(_directory.FullName, "grainchat.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:GrainChat", $"Data Source={DatabaseFile}");
        builder.UseSetting("GrainChat:Storage:Provider", "Sqlite");
        builder.UseEnvironment("Testing");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }
}
