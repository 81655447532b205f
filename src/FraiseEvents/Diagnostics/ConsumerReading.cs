namespace FraiseEvents.Diagnostics;

/// <summary>One consumer's gauges, from its latest status.</summary>
/// <param name="EventsBehind">The status' EventsBehind; null before the first refresh.</param>
/// <param name="TimeBehind">The status' TimeBehind; null before the first refresh.</param>
/// <param name="State">The state in snake case, as the <c>fraiseevents.consumer.state</c> attribute.</param>
internal readonly record struct ConsumerReading(long? EventsBehind, TimeSpan? TimeBehind, string State)
{
    /// <summary>An enum member's name in snake case: <c>CatchingUp</c> is <c>catching_up</c>.</summary>
    public static string StateName<TState>(TState state)
        where TState : struct, Enum =>
        string.Concat(state.ToString().Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "_") + char.ToLowerInvariant(c) : c.ToString()));
}
