using System.Diagnostics;
using Npgsql;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: <c>initdb</c> into a temporary folder, started on a free port,
/// run as the unprivileged <c>postgres</c> user when the tests run as root, removed afterwards.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string MissingReason =
        "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin). Install the 'postgresql' package; under GRAINCHAT_REQUIRE_INTEGRATION=1 this is a failure.";

    private DirectoryInfo? _directory;
    private string? _binaries;
    private int _port;

    // A password, as on a real server: code that drops it from a connection string (Npgsql's data sources do) fails here too.
    private const string Password = "grainchat-test";

    public string AdminConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Password={Password};Database=postgres;Pooling=false";

    public static string? FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    public async Task InitializeAsync()
    {
        _binaries = FindBinaries();
        if (_binaries is null)
        {
            return;
        }

        _directory = Directory.CreateTempSubdirectory("grainchat-pg-");
        var data = Path.Combine(_directory.FullName, "data");
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _directory.FullName], asPostgres: false);
        }

        var passwordFile = Path.Combine(_directory.FullName, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", passwordFile], asPostgres: false);
        }

        await RunAsync(Path.Combine(_binaries, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"]);
        _port = FreePorts.Next();
        await StartAsync();
    }

    /// <summary>Stops the server (the outage tests); connections in use are cut.</summary>
    public Task StopAsync() =>
        RunAsync(Path.Combine(_binaries!, "pg_ctl"), ["-D", Path.Combine(_directory!.FullName, "data"), "-m", "fast", "-w", "stop"]);

    /// <summary>Starts the server again, on the same port and data.</summary>
    public Task StartAsync()
    {
        var options = $"-p {_port} -k {_directory!.FullName} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
        return RunAsync(Path.Combine(_binaries!, "pg_ctl"), ["-D", Path.Combine(_directory.FullName, "data"), "-o", options, "-l", Path.Combine(_directory.FullName, "server.log"), "-w", "-t", "60", "start"]);
    }

    /// <summary>Creates an empty database and returns a pooled connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        if (_binaries is null)
        {
            throw new InvalidOperationException(MissingReason);
        }

        var name = $"grainchat_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return $"Host=127.0.0.1;Port={_port};Username=postgres;Password={Password};Database={name};Maximum Pool Size=50";
    }

    public async Task DisposeAsync()
    {
        if (_binaries is null || _directory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_directory.FullName, "data"), "-m", "immediate", "stop"]);
        _directory.Delete(recursive: true);
    }

    private static bool IsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);


    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && IsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", "postgres", "--", program }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
