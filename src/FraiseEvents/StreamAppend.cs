namespace FraiseEvents;

/// <summary>
/// One stream's part of <see cref="IEventStore.AppendToStreamsAsync"/>: its events and the version
/// it must be at, as <see cref="IEventStore.AppendAsync"/> takes them.
/// </summary>
/// <param name="StreamId">The stream.</param>
/// <param name="ExpectedVersion">What the stream must be at, checked as for a single append.</param>
/// <param name="Events">The stream's events, at least one; each <see cref="NewEvent"/> keeps its id for retries.</param>
/// <param name="Options">The stream type and metadata of this stream's events.</param>
public sealed record StreamAppend(StreamId StreamId, ExpectedVersion ExpectedVersion, IReadOnlyList<NewEvent> Events, AppendOptions? Options = null);
