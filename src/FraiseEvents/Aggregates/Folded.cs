namespace FraiseEvents.Aggregates;

/// <summary>A state folded from a stream, and the version of the last event folded into it.</summary>
/// <param name="State">The state.</param>
/// <param name="Version">The last event's version: the expected version for the next append.</param>
public sealed record Folded<TState>(TState State, StreamVersion Version);
