namespace FraiseEvents;

/// <summary>What the store knows about an existing stream, without reading its events.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Version">The version of its last event.</param>
/// <param name="StreamType">The type recorded when it was created, if any.</param>
/// <param name="CreatedAt">When its first event was stored.</param>
/// <param name="UpdatedAt">When its last event was stored.</param>
public sealed record StreamState(
    StreamId StreamId,
    StreamVersion Version,
    string? StreamType,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
