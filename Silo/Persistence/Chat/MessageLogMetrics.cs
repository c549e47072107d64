using System.Diagnostics.Metrics;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Persistence.Chat;

/// <summary>
/// The message log's writer on the <c>GrainChat.Silo</c> meter: how long appends wait for it, how large its batches are
/// and how long a batch takes to write and commit — the split of a send's durable append between queueing and work.
/// </summary>
public sealed class MessageLogMetrics
{
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<double> _writeLockWait;

    public MessageLogMetrics(SiloMetrics metrics)
    {
        _queueWait = metrics.Meter.CreateHistogram<double>(
            "grainchat.silo.message_log.queue_wait", "ms", "Time from an append to the start of the batch that writes it");
        _batchSize = metrics.Meter.CreateHistogram<int>(
            "grainchat.silo.message_log.batch_size", "{message}", "Appends written in one transaction");
        _commitDuration = metrics.Meter.CreateHistogram<double>(
            "grainchat.silo.message_log.commit_duration", "ms", "Time to write a batch and commit it");
        _writeLockWait = metrics.Meter.CreateHistogram<double>(
            "grainchat.silo.message_log.write_lock_wait", "ms",
            "Part of commit_duration: time a batch waited for the database's write lock (held in turn by grain state writes, search indexing and checkpoints) and a connection");
    }

    public bool Enabled => _queueWait.Enabled || _batchSize.Enabled || _commitDuration.Enabled || _writeLockWait.Enabled;

    public void Waited(TimeSpan wait) => _queueWait.Record(wait.TotalMilliseconds);

    public void HadWriteLock(TimeSpan wait) => _writeLockWait.Record(wait.TotalMilliseconds);

    public void BatchWritten(int size, TimeSpan elapsed)
    {
        _batchSize.Record(size);
        _commitDuration.Record(elapsed.TotalMilliseconds);
    }
}
