using FraiseEvents.Serialization;

namespace FraiseEvents.Projections;

/// <summary>One stream's share of an append, as the inline projections see it.</summary>
internal sealed record ProjectionAppend(StreamId StreamId, ExpectedVersion ExpectedVersion, IReadOnlyList<NewEvent> Events,
    SerializedEvent[] Serialized, AppendOptions? Options)
{
    /// <summary>The version event <paramref name="index"/> will get, when the expectation fixes it.</summary>
    public StreamVersion? VersionOf(int index) =>
        ExpectedVersion == ExpectedVersion.NoStream ? new StreamVersion(index + 1)
        : ExpectedVersion.IsExact ? new StreamVersion(ExpectedVersion.Value + index + 1)
        : null;
}
