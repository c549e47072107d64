using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// The Gateway on real Kestrel (a free loopback port) with its own temporary SQLite file and key folder,
/// so HTTP and SignalR WebSocket traffic in the tests goes over real sockets.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>, IGatewayEndpoint
{
    private const int DeleteAttempts = 50;
    private static readonly TimeSpan DeleteRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainchat-gateway-");

    /// <summary>The admin every test Gateway creates at startup (<c>GrainChat:Bootstrap:AdminPassword</c>).</summary>
    public const string AdminName = "root";

    public const string AdminPassword = "root password";

    public GatewayFactory()
    {
        UseKestrel(0);
    }

    public string DatabaseFile => Path.Combine(_directory.FullName, "grainchat.db");

    public CapturedLogs Logs { get; } = new();

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri ServerAddress
    {
        get
        {
            StartServer();
            return ClientOptions.BaseAddress;
        }
    }

    /// <summary>Settings a test class needs beyond the defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("ConnectionStrings:GrainChat", $"Data Source={DatabaseFile}");
        builder.UseSetting("GrainChat:Storage:Provider", "Sqlite");
        builder.UseSetting("GrainChat:DataProtection:KeysDirectory", Path.Combine(_directory.FullName, "keys"));
        builder.UseSetting("GrainChat:Presence:GracePeriod", "00:00:01");
        builder.UseSetting("GrainChat:RateLimit:MessagesPerSecond", "1000");
        builder.UseSetting("GrainChat:RateLimit:Burst", "1000");
        builder.UseSetting("GrainChat:RateLimit:LoginsPerMinutePerAddress", "100000");
        builder.UseSetting("GrainChat:RateLimit:RegistrationsPerHourPerAddress", "100000");
        builder.UseSetting("GrainChat:RateLimit:RoomsCreatedPerHour", "100000");
        builder.UseSetting("GrainChat:RateLimit:JoinsPerMinute", "100000");
        builder.UseSetting("GrainChat:Admins:0", AdminName);
        builder.UseSetting("GrainChat:Bootstrap:AdminPassword", AdminPassword);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();

        // The host's services can still be disposing when the factory returns: the search indexer's loop ends
        // asynchronously, and only then is the database disposed, whose checkpointer makes a last pass that opens
        // (and so re-creates) grainchat.db. Deleting in the middle of that left the folder behind.
        for (var attempt = 1; ; attempt++)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                _directory.Delete(recursive: true);
                return;
            }
            catch (IOException) when (attempt < DeleteAttempts)
            {
                await Task.Delay(DeleteRetryDelay);
            }
            catch (IOException)
            {
                // Still held open: left for the temp folder's own cleanup.
                return;
            }
        }
    }
}
