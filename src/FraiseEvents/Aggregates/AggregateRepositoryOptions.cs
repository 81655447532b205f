using System.Text.Json;
using FraiseEvents.Snapshots;

namespace FraiseEvents.Aggregates;

/// <summary>Settings of an <see cref="AggregateRepository{TAggregate}"/>.</summary>
public sealed class AggregateRepositoryOptions
{
    /// <summary>
    /// The stream type recorded when an aggregate's stream is created, and checked when one is
    /// loaded or saved. The default (null) is the aggregate class's name.
    /// </summary>
    public string? StreamType { get; set; }

    /// <summary>When snapshots are written. The default is <see cref="SnapshotPolicy.Never"/>.</summary>
    public SnapshotPolicy Snapshots { get; set; } = SnapshotPolicy.Never;

    /// <summary>How snapshots are serialized. The default matches the events': snake_case, web defaults.</summary>
    public JsonSerializerOptions SnapshotJsonOptions { get; set; } = EventStoreOptions.CreateDefaultJsonSerializerOptions();
}
