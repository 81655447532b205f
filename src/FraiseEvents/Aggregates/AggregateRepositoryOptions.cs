using System.Text.Json;
using FraiseEvents.Snapshots;

namespace FraiseEvents.Aggregates;

/// <summary>Settings of an <see cref="AggregateRepository{TAggregate}"/>.</summary>
public sealed class AggregateRepositoryOptions
{
    /// <summary>
    /// The stream type recorded when an aggregate's stream is created, and checked when one is
    /// loaded or saved. The default (null) is the aggregate class's name. At most 100 characters,
    /// without U+0000 or lone surrogates: the repository's constructor refuses others.
    /// </summary>
    public string? StreamType { get; set; }

    /// <summary>When snapshots are written. The default is <see cref="SnapshotPolicy.Never"/>.</summary>
    public SnapshotPolicy Snapshots { get; set; } = SnapshotPolicy.Never;

    /// <summary>
    /// How snapshots are serialized. The default matches the events' naming (snake_case, web
    /// defaults) and is strict on reading: unknown properties, missing constructor parameters and
    /// nulls in non-nullable members fail, so a snapshot whose shape changed without a
    /// <see cref="ISnapshotable{TSnapshot}.SnapshotSchemaVersion"/> bump is rebuilt from events
    /// rather than read with default values.
    /// </summary>
    public JsonSerializerOptions SnapshotJsonOptions { get; set; } = CreateDefaultSnapshotJsonOptions();

    /// <summary>The strict JSON settings <see cref="SnapshotJsonOptions"/> starts with.</summary>
    public static JsonSerializerOptions CreateDefaultSnapshotJsonOptions()
    {
        var options = EventStoreOptions.CreateDefaultJsonSerializerOptions();
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
        return options;
    }
}
