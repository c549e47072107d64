using System.Collections.Concurrent;
using GrainChat.Chat;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A test silo hosting the chat's grains with their real storage: grain state in memory and the message log
/// in a throwaway SQLite file (the Memory provider). Grain tests talk to the grains directly and watch their
/// streams.
/// </summary>
public static class ChatSilo
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public static Task<TestSilo> StartAsync(TimeSpan? presenceGracePeriod = null, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = Settings(presenceGracePeriod);
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return TestSilo.StartMemoryAsync(values => Copy(settings, values), services => AddChatGrains(services, settings));
    }

    public static async Task RegisterAsync(this TestSilo silo, params string[] usernames)
    {
        foreach (var username in usernames)
        {
            await silo.GrainFactory.GetUserGrain(username).RegisterAsync(username, "password1");
        }
    }

    /// <summary>Collects the events of one stream from now on.</summary>
    public static async Task<ConcurrentQueue<T>> WatchAsync<T>(this TestSilo silo, string streamNamespace, string key)
    {
        var received = new ConcurrentQueue<T>();
        var streams = silo.Services.GetRequiredKeyedService<IStreamProvider>(StreamProviderNames.Default);
        await streams.GetStream<T>(StreamId.Create(streamNamespace, key)).SubscribeAsync((item, _) =>
        {
            received.Enqueue(item);
            return Task.CompletedTask;
        });
        return received;
    }

    public static Task<ConcurrentQueue<RoomEvent>> WatchRoomAsync(this TestSilo silo, string roomId) =>
        silo.WatchAsync<RoomEvent>(ChatStreams.RoomNamespace, roomId);

    public static Task<ConcurrentQueue<UserEvent>> WatchUserAsync(this TestSilo silo, string username) =>
        silo.WatchAsync<UserEvent>(ChatStreams.UserNamespace, ChatKeys.UserKey(username));

    private static Dictionary<string, string?> Settings(TimeSpan? presenceGracePeriod) => new(StringComparer.Ordinal)
    {
        ["GrainChat:Presence:GracePeriod"] = (presenceGracePeriod ?? TimeSpan.FromSeconds(10)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void Copy(Dictionary<string, string?> from, Dictionary<string, string?> to)
    {
        foreach (var (key, value) in from)
        {
            to[key] = value;
        }
    }

    private static void AddChatGrains(IServiceCollection services, Dictionary<string, string?> settings) =>
        services.AddChatGrains(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
