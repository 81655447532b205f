using FraiseEvents.Projections;

namespace FraiseEvents.Serialization;

/// <summary>The checks and serialization of an append to several streams, the same in both stores.</summary>
internal static class MultiStreamAppends
{
    /// <summary>Validates and serializes every stream's part. Throws before anything reaches storage.</summary>
    public static ProjectionAppend[] Prepare(EventSerializer serializer, IReadOnlyList<StreamAppend> appends)
    {
        ArgumentNullException.ThrowIfNull(appends);
        if (appends.Count == 0)
        {
            throw new ArgumentException("An append to several streams needs at least one stream.", nameof(appends));
        }

        var prepared = new ProjectionAppend[appends.Count];
        var seen = new HashSet<StreamId>(appends.Count);
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i] ?? throw new ArgumentNullException(nameof(appends), $"Stream {i} of the append is null.");
            if (!seen.Add(append.StreamId))
            {
                throw new ArgumentException(
                    $"Stream {append.StreamId} appears twice in one append to several streams; put all of its events in one StreamAppend.", nameof(appends));
            }

            var serialized = serializer.SerializeAppend(append.StreamId, append.ExpectedVersion, append.Events, append.Options);
            prepared[i] = new ProjectionAppend(append.StreamId, append.ExpectedVersion, append.Events, serialized, append.Options);
        }

        return prepared;
    }
}
