using GrainChat.Gateway.Realtime;

namespace GrainChat.Tests.Gateway;

/// <summary>One connection's hub invocations: sends overlap, everything else runs on its own, all in the order sent.</summary>
public sealed class InvocationSequenceTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_overlapping_invocation_starts_while_the_one_before_it_is_still_running()
    {
        var sequence = new InvocationSequence();
        var firstDone = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = false;

        var first = sequence.RunAsync(overlapping: true, static done => new ValueTask<object?>(done.Task), firstDone);
        var second = sequence.RunAsync(overlapping: true, _ => { secondStarted = true; return ValueTask.FromResult<object?>("second"); }, 0);

        Assert.True(secondStarted);
        Assert.Equal("second", await second);
        Assert.False(first.IsCompleted);
        firstDone.SetResult("first");
        Assert.Equal("first", await first);
    }

    [Fact]
    public async Task An_exclusive_invocation_starts_only_after_every_earlier_one_has_finished()
    {
        var sequence = new InvocationSequence();
        var sendDone = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var send = sequence.RunAsync(overlapping: true, static done => new ValueTask<object?>(done.Task), sendDone);
        var read = sequence.RunAsync(overlapping: false, started => { started.SetResult(); return ValueTask.FromResult<object?>("read"); }, readStarted);

        await Task.Delay(100);
        Assert.False(readStarted.Task.IsCompleted);
        sendDone.SetResult("sent");
        await readStarted.Task.WaitAsync(WaitLimit);
        Assert.Equal("read", await read);
        Assert.Equal("sent", await send);
    }

    [Fact]
    public async Task Nothing_after_an_exclusive_invocation_starts_before_it_has_finished()
    {
        var sequence = new InvocationSequence();
        var joinDone = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sendStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var join = sequence.RunAsync(overlapping: false, static done => new ValueTask<object?>(done.Task), joinDone);
        var send = sequence.RunAsync(overlapping: true, started => { started.SetResult(); return ValueTask.FromResult<object?>("sent"); }, sendStarted);

        await Task.Delay(100);
        Assert.False(sendStarted.Task.IsCompleted);
        Assert.Equal(1, sequence.Running);
        joinDone.SetResult("joined");
        Assert.Equal("sent", await send.AsTask().WaitAsync(WaitLimit));
        Assert.Equal("joined", await join);
        Assert.Equal(0, sequence.Running);
    }

    [Fact]
    public async Task An_invocation_that_throws_before_returning_lets_the_next_one_start()
    {
        var sequence = new InvocationSequence();

        var failedExclusive = Assert.Throws<InvalidOperationException>(() => sequence.RunAsync<int, object?>(overlapping: false, _ => throw new InvalidOperationException("no"), 0));
        var failedSend = Assert.Throws<InvalidOperationException>(() => sequence.RunAsync<int, object?>(overlapping: true, _ => throw new InvalidOperationException("no"), 0));
        var next = sequence.RunAsync(overlapping: false, _ => ValueTask.FromResult<object?>("next"), 0);

        Assert.Equal("no", failedExclusive.Message);
        Assert.Equal("no", failedSend.Message);
        Assert.Equal("next", await next.AsTask().WaitAsync(WaitLimit));
        Assert.Equal(0, sequence.Running);
    }

    [Fact]
    public async Task A_failed_invocation_that_others_waited_for_still_lets_them_start()
    {
        var sequence = new InvocationSequence();
        var joinFails = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);

        var join = sequence.RunAsync(overlapping: false, static done => new ValueTask<object?>(done.Task), joinFails);
        var send = sequence.RunAsync(overlapping: true, _ => ValueTask.FromResult<object?>("sent"), 0);
        joinFails.SetException(new InvalidOperationException("not a room"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => join.AsTask());
        Assert.Equal("sent", await send.AsTask().WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task Under_real_concurrency_invocations_start_in_the_order_sent_and_exclusive_ones_run_alone()
    {
        const int Invocations = 3_000;
        var sequence = new InvocationSequence();
        var started = new List<int>(Invocations);
        var running = 0;
        var overlapSeen = 0;
        var exclusiveOverlapped = 0;
        var calls = new List<Task<object?>>(Invocations);

        // One loop sends, as SignalR's receive loop does; the invocations finish on pool threads at random times.
        for (var i = 0; i < Invocations; i++)
        {
            var exclusive = i % 7 == 3;
            calls.Add(sequence.RunAsync(!exclusive, async index =>
            {
                lock (started)
                {
                    started.Add(index);
                }

                var now = Interlocked.Increment(ref running);
                if (now > 1)
                {
                    if (exclusive)
                    {
                        Interlocked.Increment(ref exclusiveOverlapped);
                    }
                    else
                    {
                        Interlocked.Increment(ref overlapSeen);
                    }
                }

                await Task.Delay(Random.Shared.Next(0, 3) == 0 ? 1 : 0);
                await Task.Yield();
                if (exclusive && Volatile.Read(ref running) > 1)
                {
                    Interlocked.Increment(ref exclusiveOverlapped);
                }

                Interlocked.Decrement(ref running);
                return (object?)index;
            }, i).AsTask());
        }

        var answers = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, Invocations).Cast<object?>(), answers);
        Assert.Equal(Enumerable.Range(0, Invocations), started);
        Assert.Equal(0, exclusiveOverlapped);
        Assert.True(overlapSeen > 0, "sends should have overlapped one another");
        Assert.Equal(0, sequence.Running);
    }
}
