using GrainChat.Chat;
using GrainChat.Runtime.Streams;
using GrainChat.Silo.Streams;
using GrainChat.Storage;

namespace GrainChat.Silo.Cluster.Streams;

/// <summary>A room's messages are numbered 1, 2, 3… in the message log, so a room stream can catch up from it.</summary>
internal sealed class RoomStreamCatchUp(IMessageHistory history) : IStreamCatchUp<RoomEvent>
{
    public long? SequenceOf(RoomEvent item) => item is MessageReceived received ? received.Message.Id : null;

    public async Task<IReadOnlyList<RoomEvent>> ReadAfterAsync(StreamId streamId, long after, long upTo, CancellationToken cancellationToken)
    {
        var missed = new List<RoomEvent>();
        while (after < upTo)
        {
            var page = await history.ReadAsync(streamId.Key, new HistoryQuery(after, null, HistoryQuery.MaxLimit)).ConfigureAwait(false);
            missed.AddRange(page.Where(message => message.Id <= upTo).Select(message => new MessageReceived(message)));
            if (page.Count < HistoryQuery.MaxLimit)
            {
                break;
            }

            after = page[^1].Id;
        }

        return missed;
    }
}
