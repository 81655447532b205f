using FraiseEvents.Serialization;

namespace FraiseEvents.Postgres;

/// <summary>One validated, serialized append on its way to <c>try_append_events</c>.</summary>
internal sealed record PendingAppend(StreamId StreamId, ExpectedVersion ExpectedVersion, SerializedEvent[] Events, string? StreamType)
{
    /// <summary>The bytes of JSON it sends, to keep batches sent together within a bound.</summary>
    public long Bytes { get; } = Events.Sum(e => (long)e.Data.Length + (e.Metadata?.Length ?? 0));
}
