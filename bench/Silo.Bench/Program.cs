using GrainChat.Bench;
using GrainChat.Runtime;
using GrainChat.Silo.Hosting;
using GrainChat.Silo.Persistence.Sql;
using GrainChat.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: GrainChat.Bench [--quick] [--only calls|writes|messagelog] [--postgres <connection string>]
var quick = args.Contains("--quick");
var onlyIndex = Array.IndexOf(args, "--only");
var only = onlyIndex >= 0 ? args[onlyIndex + 1] : null;
var postgresIndex = Array.IndexOf(args, "--postgres");
var postgres = postgresIndex >= 0 ? args[postgresIndex + 1] : null;
var warmUp = TimeSpan.FromSeconds(quick ? 0.3 : 1);
var duration = TimeSpan.FromSeconds(quick ? 0.5 : 2);
var runs = quick ? 3 : 5;
const int Workers = 64;
const int GrainCount = 10_000;

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, server GC");
Console.WriteLine($"Method: {Workers} concurrent callers in a closed loop; warm-up {warmUp.TotalSeconds}s, then {runs} runs of {duration.TotalSeconds}s; median (min–max) operations/s");
Console.WriteLine();
Console.WriteLine("| measurement | median ops/s | min–max | overhead vs floor |");
Console.WriteLine("| --- | ---: | ---: | ---: |");

if (only is null or "calls")
{
    await CallBenchAsync();
}

if (only is null or "writes")
{
    var sqliteFile = Path.Combine(Path.GetTempPath(), $"grainchat-bench-{Guid.NewGuid():N}.db");
    await WriteBenchAsync("SQLite", StorageProvider.Sqlite, $"Data Source={sqliteFile}");
    if (postgres is not null)
    {
        await WriteBenchAsync("PostgreSQL", StorageProvider.Postgres, postgres);
    }
}

if (only is null or "messagelog")
{
    await MessageLogBenchAsync();
}

async Task MessageLogBenchAsync()
{
    var file = Path.Combine(Path.GetTempPath(), $"grainchat-bench-log-{Guid.NewGuid():N}.db");
    await MessageLogBenchOnAsync("SQLite", StorageProvider.Sqlite, $"Data Source={file}", withRandomIds: true);
    if (postgres is not null)
    {
        await MessageLogBenchOnAsync("PostgreSQL", StorageProvider.Postgres, postgres, withRandomIds: false);
    }
}

async Task MessageLogBenchOnAsync(string label, StorageProvider provider, string connectionString, bool withRandomIds)
{
    const int Appenders = 1024;
    await using var silo = await StartSiloAsync(provider, connectionString, chat: true);
    var dialect = silo.Services.GetRequiredService<SqlDialect>();
    await MessageLogBench.CreateFloorTablesAsync(dialect);
    var perBatch = MessageLogBench.FloorBatch;
    var floorKey = await Measure.RunAsync($"floor: raw INSERT, one thread, {perBatch} rows per transaction, primary key only, {label}", 1, MessageLogBench.RawInsert(dialect, "floor_primary_key"), warmUp, duration, runs);
    var floorAll = await Measure.RunAsync($"floor: raw INSERT, one thread, {perBatch} rows per transaction, the messages table's indexes, time-ordered client ids, {label}", 1, MessageLogBench.RawInsert(dialect, "floor_all"), warmUp, duration, runs);
    var log = silo.Services.GetRequiredService<IMessageLog>();
    var ordered = await Measure.RunAsync($"message log appends, {Appenders:N0} appenders over {MessageLogBench.Rooms} rooms, group commit, time-ordered client ids, {label}", Appenders, MessageLogBench.Append(log, timeOrderedIds: true), warmUp, duration, runs);
    Console.WriteLine(floorKey.Times(perBatch).Row(null));
    Console.WriteLine(floorAll.Times(perBatch).Row(null));
    Console.WriteLine(ordered.Row(floorAll.Median * perBatch));
    if (withRandomIds)
    {
        var random = await Measure.RunAsync($"message log appends, {Appenders:N0} appenders over {MessageLogBench.Rooms} rooms, group commit, random client ids, {label}", Appenders, MessageLogBench.Append(log, timeOrderedIds: false), warmUp, duration, runs);
        Console.WriteLine(random.Row(floorAll.Median * perBatch));
    }
}

async Task CallBenchAsync()
{
    await using var silo = await StartSiloAsync(StorageProvider.Memory, null);
    var factory = silo.Services.GetRequiredService<IGrainFactory>();
    var one = factory.GetGrain<IBenchCounterGrain>("one");
    var locked = new LockedCounter();
    var floorOne = await Measure.RunAsync("floor: one object behind a SemaphoreSlim", Workers, (_, _) => locked.IncrementAsync(), warmUp, duration, runs);
    var grainOne = await Measure.RunAsync("grain calls to one grain", Workers, (_, _) => one.IncrementAsync(), warmUp, duration, runs);
    Console.WriteLine(floorOne.Row(null));
    Console.WriteLine(grainOne.Row(floorOne.Median));

    var lockedMany = Enumerable.Range(0, GrainCount).Select(_ => new LockedCounter()).ToArray();
    var many = Enumerable.Range(0, GrainCount).Select(i => factory.GetGrain<IBenchCounterGrain>($"g{i}")).ToArray();
    var floorMany = await Measure.RunAsync($"floor: {GrainCount:N0} objects, each behind a SemaphoreSlim", Workers, (w, n) => lockedMany[(int)((w * 7919 + n) % GrainCount)].IncrementAsync(), warmUp, duration, runs);
    var grainMany = await Measure.RunAsync($"grain calls spread over {GrainCount:N0} grains", Workers, (w, n) => many[(int)((w * 7919 + n) % GrainCount)].IncrementAsync(), warmUp, duration, runs);
    Console.WriteLine(floorMany.Row(null));
    Console.WriteLine(grainMany.Row(floorMany.Median));
}

async Task WriteBenchAsync(string label, StorageProvider provider, string connectionString)
{
    await using var silo = await StartSiloAsync(provider, connectionString);
    var factory = silo.Services.GetRequiredService<IGrainFactory>();
    var dialect = silo.Services.GetRequiredService<SqlDialect>();
    var grains = Enumerable.Range(0, Workers).Select(i => factory.GetGrain<IBenchStateGrain>($"w{i}")).ToArray();
    await RawFloor.PrepareAsync(dialect, Workers);
    var floor = await Measure.RunAsync($"floor: raw single-row UPDATE loop, {label}", Workers, (w, _) => RawFloor.UpdateAsync(dialect, w), warmUp, duration, runs);
    var grain = await Measure.RunAsync($"durable grain state writes, {label}", Workers, (w, _) => grains[w].IncrementAndWriteAsync(), warmUp, duration, runs);
    Console.WriteLine(floor.Row(null));
    Console.WriteLine(grain.Row(floor.Median));
}

static async Task<BenchSilo> StartSiloAsync(StorageProvider provider, string? connectionString, bool chat = false)
{
    var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["GrainChat:Storage:Provider"] = provider.ToString(),
        ["ConnectionStrings:GrainChat"] = connectionString,
    });
    builder.Services.AddLogging();
    builder.Services.AddGrainChatSilo(builder.Configuration, typeof(BenchCounterGrain).Assembly);
    if (chat)
    {
        builder.Services.AddChatGrains(builder.Configuration);
    }

    var host = builder.Build();
    await host.StartAsync();
    return new BenchSilo(host);
}

internal sealed class BenchSilo(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
