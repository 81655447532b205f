namespace FraiseEvents.Snapshots;

/// <summary>A snapshot as stored: the state after <see cref="Version"/> events, as JSON.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Version">The stream version the state includes.</param>
/// <param name="SchemaVersion">The shape of <see cref="Data"/>, chosen by the aggregate.</param>
/// <param name="Data">The state as UTF-8 JSON.</param>
/// <param name="CreatedAt">When the snapshot was written.</param>
/// <param name="VersionCreatedAt">When event <see cref="Version"/> was stored.</param>
public sealed record StoredSnapshot(
    StreamId StreamId,
    StreamVersion Version,
    int SchemaVersion,
    ReadOnlyMemory<byte> Data,
    DateTimeOffset CreatedAt,
    DateTimeOffset VersionCreatedAt);
