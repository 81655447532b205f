namespace FraiseEvents.Snapshots;

/// <summary>A snapshot to write.</summary>
public sealed record SnapshotWrite
{
    /// <summary>The default for <see cref="Keep"/>: 5 snapshots per stream.</summary>
    public const int DefaultKeep = 5;

    /// <summary>Creates a snapshot to write.</summary>
    /// <param name="version">The stream version the state includes.</param>
    /// <param name="schemaVersion">The shape of the state (at least 1).</param>
    /// <param name="data">The state as UTF-8 JSON.</param>
    /// <param name="keep">How many of the stream's newest snapshots to keep (at least 1; default 5).</param>
    public SnapshotWrite(StreamVersion version, int schemaVersion, ReadOnlyMemory<byte> data, int keep = DefaultKeep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version.Value, 1, nameof(version));
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        if (data.IsEmpty)
        {
            throw new ArgumentException("A snapshot needs data.", nameof(data));
        }

        Version = version;
        SchemaVersion = schemaVersion;
        Data = data;
        Keep = keep;
    }

    /// <summary>The stream version the state includes.</summary>
    public StreamVersion Version { get; }

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public int SchemaVersion { get; }

    /// <summary>The state as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>How many of the stream's newest snapshots to keep. The default is 5.</summary>
    public int Keep { get; }
}
