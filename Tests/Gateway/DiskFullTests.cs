using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GrainChat.Tests.Infrastructure;

namespace GrainChat.Tests.Gateway;

/// <summary>The SQLite file's disk fills up under a running Gateway, then space comes back.</summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly DirectoryInfo _mount = Directory.CreateTempSubdirectory("grainchat-small-disk-");
    private bool _mounted;

    public async Task InitializeAsync()
    {
        if (TmpfsFactAttribute.CanMount)
        {
            await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mount.FullName);
            _mounted = true;
        }
    }

    public async Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_mounted)
        {
            await RunAsync("umount", "-l", _mount.FullName);
        }

        _mount.Delete(recursive: true);
    }

    [TmpfsFact]
    public async Task When_the_disk_is_full_sends_are_503_and_never_acknowledged_and_work_again_once_there_is_space()
    {
        await using var gateway = new SmallDiskGatewayFactory(Path.Combine(_mount.FullName, "grainchat.db"));
        await using var alice = await ChatClient.RegisterAsync(gateway);
        var roomId = await alice.CreateRoomAsync();
        await alice.PostAsync(roomId, "before");
        var filler = Path.Combine(_mount.FullName, "filler");

        // Fill the disk, then send until storage refuses.
        await FillAsync(filler);
        var acknowledged = new List<string>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2_000 && refused is null; i++)
        {
            var response = await alice.Http.PostAsJsonAsync($"/api/rooms/{roomId}/messages", new { text = $"full {i} {new string('z', 2_000)}" });
            if (response.StatusCode == HttpStatusCode.Created)
            {
                acknowledged.Add($"full {i}");
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        await AccountApiTests.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "Storage is unavailable");

        File.Delete(filler);
        await alice.PostAsync(roomId, "after");

        var stored = (await alice.HistoryAsync(roomId, "?after=0&limit=200")).Select(m => m.GetProperty("text").GetString()!).ToArray();
        Assert.Equal("before", stored[0]);
        Assert.Equal("after", stored[^1]);
        Assert.All(acknowledged, ack => Assert.Contains(stored, text => text.StartsWith(ack + " ", StringComparison.Ordinal)));
    }

    private static async Task FillAsync(string path)
    {
        await using var file = File.Create(path);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                await file.WriteAsync(chunk);
                await file.FlushAsync();
            }
        }
        catch (IOException)
        {
            // The disk is full.
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {await process.StandardError.ReadToEndAsync()}");
        }
    }

    private sealed class SmallDiskGatewayFactory(string databaseFile) : GatewayFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["ConnectionStrings:GrainChat"] = $"Data Source={databaseFile}",
        };
    }
}
