namespace FraiseEvents;

/// <summary>
/// What the writer believes about a stream when it appends: the append fails with
/// <see cref="WrongExpectedVersionException"/> if the belief is wrong, and nothing is written.
/// </summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -1;
    private const long NoStreamValue = -2;
    private const long StreamExistsValue = -3;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>
    /// The wire value: -1 any, -2 no stream, -3 stream exists, N &gt;= 0 exactly N events. The
    /// same encoding is accepted by the SQL function <c>append_events</c>.
    /// </summary>
    public long Value { get; }

    /// <summary>Append whatever the stream's state (no concurrency check).</summary>
    public static ExpectedVersion Any => new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream => new(NoStreamValue);

    /// <summary>The stream must already have at least one event.</summary>
    public static ExpectedVersion StreamExists => new(StreamExistsValue);

    /// <summary>The stream must be at exactly this version (0: no events yet).</summary>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new ExpectedVersion(version);
    }

    /// <summary>The stream must be at exactly this version.</summary>
    public static ExpectedVersion Exactly(StreamVersion version) => new(version.Value);

    /// <summary>True when this is an exact version rather than one of the special states.</summary>
    public bool IsExact => Value >= 0;

    /// <summary>Whether a stream at <paramref name="current"/> (null: no stream) satisfies this expectation.</summary>
    public bool IsSatisfiedBy(StreamVersion? current) => Value switch
    {
        AnyValue => true,
        NoStreamValue => current is null,
        StreamExistsValue => current is not null,
        _ => (current?.Value ?? 0) == Value,
    };

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        AnyValue => "any",
        NoStreamValue => "no stream",
        StreamExistsValue => "an existing stream",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
