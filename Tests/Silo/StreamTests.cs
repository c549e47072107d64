using System.Collections.Concurrent;
using GrainChat.Runtime.Streams;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Silo;

public sealed class StreamTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Each_subscriber_receives_a_streams_events_in_publish_order_with_increasing_tokens()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var stream = Provider(silo).GetStream<int>(StreamId.Create("test", "ordered"));
        var received = new ConcurrentQueue<(int Item, long Sequence)>();
        await stream.SubscribeAsync((item, token) =>
        {
            received.Enqueue((item, token.SequenceNumber));
            return Task.CompletedTask;
        });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(publisher => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                await stream.OnNextAsync(publisher * 1000 + i);
            }
        })));
        await Eventually.TrueAsync(() => received.Count == 2000, WaitLimit);

        var events = received.ToArray();
        Assert.Equal(Enumerable.Range(1, 2000).Select(n => (long)n), events.Select(e => e.Sequence));
        foreach (var publisher in Enumerable.Range(0, 4))
        {
            var fromPublisher = events.Select(e => e.Item).Where(item => item / 1000 == publisher).ToArray();
            Assert.Equal(fromPublisher.Order(), fromPublisher);
        }
    }

    [Fact]
    public async Task After_unsubscribing_a_subscriber_receives_nothing_more()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var stream = Provider(silo).GetStream<string>(StreamId.Create("test", "unsubscribe"));
        var received = new ConcurrentQueue<string>();
        var handle = await stream.SubscribeAsync((item, _) =>
        {
            received.Enqueue(item);
            return Task.CompletedTask;
        });

        await stream.OnNextAsync("before");
        await Eventually.TrueAsync(() => received.Count == 1, WaitLimit);
        await handle.UnsubscribeAsync();
        await stream.OnNextAsync("after");
        await Task.Delay(200);

        Assert.Equal(["before"], received);
    }

    [Fact]
    public async Task A_throwing_subscriber_does_not_disturb_the_others_or_its_own_later_events()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var stream = Provider(silo).GetStream<int>(StreamId.Create("test", "faulty"));
        var healthy = new ConcurrentQueue<int>();
        var faultyReceived = new ConcurrentQueue<int>();
        await stream.SubscribeAsync((item, _) => item % 2 == 0
            ? throw new InvalidOperationException("subscriber bug")
            : Task.Run(() => faultyReceived.Enqueue(item)));
        await stream.SubscribeAsync((item, _) =>
        {
            healthy.Enqueue(item);
            return Task.CompletedTask;
        });

        for (var i = 0; i < 100; i++)
        {
            await stream.OnNextAsync(i);
        }

        await Eventually.TrueAsync(() => healthy.Count == 100 && faultyReceived.Count == 50, WaitLimit);
        Assert.Equal(Enumerable.Range(0, 100), healthy);
    }

    [Fact]
    public async Task A_stuck_subscriber_loses_events_beyond_its_queue_without_holding_up_publishers_or_others()
    {
        await using var silo = await TestSilo.StartMemoryAsync(settings => settings["GrainChat:Silo:StreamSubscriberQueueCapacity"] = "10");
        var stream = Provider(silo).GetStream<int>(StreamId.Create("test", "slow"));
        var release = new TaskCompletionSource();
        var slowTokens = new ConcurrentQueue<long>();
        var fast = new ConcurrentQueue<int>();
        using var fastReceived = new SemaphoreSlim(0);
        await stream.SubscribeAsync(async (_, token) =>
        {
            await release.Task;
            slowTokens.Enqueue(token.SequenceNumber);
        });
        await stream.SubscribeAsync((item, _) =>
        {
            fast.Enqueue(item);
            fastReceived.Release();
            return Task.CompletedTask;
        });

        // Publishing never waits for the stuck subscriber, and a subscriber that keeps up loses nothing.
        for (var i = 0; i < 100; i++)
        {
            await stream.OnNextAsync(i).WaitAsync(WaitLimit);
            Assert.True(await fastReceived.WaitAsync(WaitLimit));
        }

        Assert.Equal(Enumerable.Range(0, 100), fast);
        release.SetResult();
        await Eventually.TrueAsync(() => slowTokens.Count >= 10, WaitLimit);
        await Task.Delay(100);
        var keptBeforeRelease = slowTokens.Count;
        await stream.OnNextAsync(100);
        await Eventually.TrueAsync(() => slowTokens.Contains(101), WaitLimit);

        // It kept the event it was stuck on and a full queue (10), lost the rest, and the gap shows in the tokens.
        var tokens = slowTokens.ToArray();
        Assert.InRange(keptBeforeRelease, 10, 11);
        Assert.Equal(1, tokens[0]);
        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(101, tokens[^1]);
        Assert.False(tokens[^2] + 1 == tokens[^1], "The dropped events should show as a gap in the sequence tokens.");
    }

    [Fact]
    public async Task A_subscriber_can_unsubscribe_itself_from_its_callback_after_awaiting()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var stream = Provider(silo).GetStream<int>(StreamId.Create("test", "self-unsubscribe"));
        var received = new ConcurrentQueue<int>();
        var unsubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StreamSubscriptionHandle<int>? handle = null;
        handle = await stream.SubscribeAsync(async (item, _) =>
        {
            received.Enqueue(item);
            await Task.Yield();
            await handle!.UnsubscribeAsync();
            unsubscribed.SetResult();
        });

        await stream.OnNextAsync(1);
        await unsubscribed.Task.WaitAsync(WaitLimit);
        await stream.OnNextAsync(2);
        await Task.Delay(100);

        Assert.Equal([1], received);
    }

    [Fact]
    public async Task A_stream_asked_for_with_another_event_type_is_refused_clearly()
    {
        await using var silo = await TestSilo.StartMemoryAsync();
        var id = StreamId.Create("test", "typed");
        Provider(silo).GetStream<int>(id);

        var failure = Assert.Throws<InvalidOperationException>(() => Provider(silo).GetStream<string>(id));

        Assert.Contains("Int32", failure.Message, StringComparison.Ordinal);
    }

    private static IStreamProvider Provider(TestSilo silo) =>
        silo.Services.GetRequiredKeyedService<IStreamProvider>(StreamProviderNames.Default);
}
