using System.Collections.Frozen;

namespace FraiseEvents;

/// <summary>
/// What is recorded about an event besides its data: who caused it and why. Stored in
/// <c>tb_events.metadata</c> (jsonb) except <see cref="CreatedBy"/>, which has its own column.
/// </summary>
public sealed record EventMetadata
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = FrozenDictionary<string, string>.Empty;

    /// <summary>No metadata.</summary>
    public static EventMetadata Empty { get; } = new();

    /// <summary>Ties together every event caused by one request or workflow.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The id of the message or event that caused this one.</summary>
    public string? CausationId { get; init; }

    /// <summary>The user or system that caused the event (<c>tb_events.created_by</c>).</summary>
    public Guid? CreatedBy { get; init; }

    /// <summary>Free-form string headers (tenant, trace id, client version, ...).</summary>
    /// <remarks>
    /// Values must not be null: every store refuses an append that carries a null header value
    /// with an <see cref="ArgumentException"/> naming the header, and writes nothing. Leave the
    /// header out instead; a value is read back exactly as written.
    /// </remarks>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>
    /// An event's own metadata over its append's: each value the event sets wins, each it leaves
    /// unset (and each header it does not name) comes from the append. Either may be null.
    /// </summary>
    internal static EventMetadata? Merge(EventMetadata? own, EventMetadata? append)
    {
        if (own is null || append is null || append.IsEmpty)
        {
            return own ?? append;
        }

        IReadOnlyDictionary<string, string> headers;
        if (own.Headers.Count == 0 || append.Headers.Count == 0)
        {
            headers = own.Headers.Count == 0 ? append.Headers : own.Headers;
        }
        else
        {
            var merged = new Dictionary<string, string>(append.Headers);
            foreach (var (name, value) in own.Headers)
            {
                merged[name] = value;
            }

            headers = merged;
        }

        return new EventMetadata
        {
            CorrelationId = own.CorrelationId ?? append.CorrelationId,
            CausationId = own.CausationId ?? append.CausationId,
            CreatedBy = own.CreatedBy ?? append.CreatedBy,
            Headers = headers,
        };
    }

    /// <summary>True when nothing is set.</summary>
    public bool IsEmpty => CorrelationId is null && CausationId is null && CreatedBy is null && Headers.Count == 0;

    /// <inheritdoc />
    public bool Equals(EventMetadata? other) =>
        other is not null
        && CorrelationId == other.CorrelationId
        && CausationId == other.CausationId
        && CreatedBy == other.CreatedBy
        && Headers.Count == other.Headers.Count
        && Headers.All(h => other.Headers.TryGetValue(h.Key, out var value) && value == h.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(CorrelationId, CausationId, CreatedBy, Headers.Count);
}
