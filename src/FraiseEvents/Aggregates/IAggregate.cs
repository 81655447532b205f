namespace FraiseEvents.Aggregates;

/// <summary>
/// An event-sourced aggregate: state rebuilt from its stream's events, plus the events raised
/// since it was loaded. <see cref="Aggregate{TSelf}"/> implements it; <see cref="AggregateRepository{TAggregate}"/>
/// loads and saves it.
/// </summary>
/// <remarks>
/// Public so that you can write your own base class. <see cref="ApplyStored"/>,
/// <see cref="SetStoredVersion"/> and <see cref="MarkCommitted"/> are called by the repository
/// only: implement them explicitly (as <see cref="Aggregate{TSelf}"/> does) so that they do not
/// show on your aggregates.
/// </remarks>
public interface IAggregate
{
    /// <summary>The aggregate's stream.</summary>
    StreamId Id { get; }

    /// <summary>
    /// The version of the last stored event applied (0 for a new aggregate): the expected version
    /// when the aggregate is saved.
    /// </summary>
    StreamVersion Version { get; }

    /// <summary>True once the aggregate has applied an event that deletes it.</summary>
    bool IsDeleted { get; }

    /// <summary>The events raised since the aggregate was loaded or last saved, oldest first.</summary>
    IReadOnlyList<object> UncommittedEvents { get; }

    /// <summary>Applies a stored event while the aggregate is rebuilt, and moves <see cref="Version"/> to <paramref name="version"/>.</summary>
    void ApplyStored(object @event, StreamVersion version);

    /// <summary>Sets <see cref="Version"/> after the state was restored from a snapshot of that version.</summary>
    void SetStoredVersion(StreamVersion version);

    /// <summary>Clears <see cref="UncommittedEvents"/> after they were stored; the stream is now at <paramref name="version"/>.</summary>
    void MarkCommitted(StreamVersion version);
}
