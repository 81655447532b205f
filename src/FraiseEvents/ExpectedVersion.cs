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

    // false only in default(ExpectedVersion), which would otherwise read as Exactly(0): a field
    // left unset would then demand an empty stream, and an append fail for no visible reason.
    private readonly bool _isSet;

    private ExpectedVersion(long value)
    {
        Value = value;
        _isSet = true;
    }

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
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative or above <see cref="StreamVersion.MaxValue"/>.</exception>
    public static ExpectedVersion Exactly(long version) => new(new StreamVersion(version).Value);

    /// <summary>The stream must be at exactly this version.</summary>
    public static ExpectedVersion Exactly(StreamVersion version) => new(version.Value);

    /// <summary>True when this is an exact version rather than one of the special states.</summary>
    public bool IsExact => _isSet && Value >= 0;

    /// <summary>
    /// False only for <c>default(ExpectedVersion)</c>, which is none of the expectations: appends
    /// refuse it with an <see cref="ArgumentException"/> instead of reading it as <c>Exactly(0)</c>.
    /// </summary>
    public bool IsSet => _isSet;

    /// <summary>Whether a stream at <paramref name="current"/> (null: no stream) satisfies this expectation.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(ExpectedVersion)</c>.</exception>
    public bool IsSatisfiedBy(StreamVersion? current) => !_isSet ? throw new InvalidOperationException(UnsetMessage) : Value switch
    {
        AnyValue => true,
        NoStreamValue => current is null,
        StreamExistsValue => current is not null,
        _ => (current?.Value ?? 0) == Value,
    };

    internal const string UnsetMessage =
        "default(ExpectedVersion) is not an expectation: use ExpectedVersion.Any, NoStream, StreamExists or Exactly(version).";

    /// <inheritdoc />
    public override string ToString() => !_isSet ? "unset (default)" : Value switch
    {
        AnyValue => "any",
        NoStreamValue => "no stream",
        StreamExistsValue => "an existing stream",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
