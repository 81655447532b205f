using System.Text.Json;
using FraiseEvents.Upcasting;

namespace FraiseEvents.Serialization;

/// <summary>
/// Turns appended events into storable JSON and stored rows back into events, with the checks
/// every store shares: registered types, size limits, and JSON that PostgreSQL's jsonb accepts.
/// </summary>
internal sealed class EventSerializer
{
    private readonly EventTypeRegistry _registry;
    private readonly JsonSerializerOptions _json;
    private readonly int _maxEventSizeBytes;
    private readonly int _maxAppendSizeBytes;
    private readonly UpcasterPipeline _upcasters;
    private readonly UnknownEventTypeHandling _unknownEventTypes;

    public EventSerializer(EventStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        options.Events.Freeze();
        _registry = options.Events;
        _json = new JsonSerializerOptions(options.JsonSerializerOptions);
        _json.MakeReadOnly(populateMissingResolver: true);
        _maxEventSizeBytes = options.MaxEventSizeBytes;
        _maxAppendSizeBytes = options.MaxAppendSizeBytes;
        _unknownEventTypes = options.UnknownEventTypes;
        options.Upcasters.Freeze();
        _upcasters = UpcasterPipeline.Build(_registry, options.Upcasters.All);
        foreach (var upcaster in options.Upcasters.All)
        {
            if (upcaster.FromType is { } from && _upcasters.TryGetChain(upcaster.EventType, upcaster.FromVersion, out var chain))
            {
                _upcasterSources[from] = (upcaster.Describe(), chain.Target);
            }
        }
    }

    // The old shapes that typed upcasters read: appending one is a mistake with a specific remedy
    // (registering it, as the usual hint says, would write old events past the upcaster).
    private readonly Dictionary<Type, (string Upcaster, EventTypeInfo Current)> _upcasterSources = [];

    public EventTypeRegistry Registry => _registry;

    public JsonSerializerOptions JsonOptions => _json;

    /// <summary>Validates and serializes an append, its expected version included. Throws before anything reaches storage.</summary>
    public SerializedEvent[] SerializeAppend(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events, AppendOptions? options)
    {
        if (!expectedVersion.IsSet)
        {
            throw new ArgumentException($"Append to stream {streamId}: {ExpectedVersion.UnsetMessage}", nameof(expectedVersion));
        }

        return SerializeAppend(streamId, events, options);
    }

    /// <summary>Validates and serializes an append. Throws before anything reaches storage.</summary>
    public SerializedEvent[] SerializeAppend(StreamId streamId, IReadOnlyList<NewEvent> events, AppendOptions? options)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (streamId.Value == Guid.Empty)
        {
            throw new ArgumentException("The stream id must not be empty (default(StreamId)); use StreamId.New().", nameof(streamId));
        }

        if (events.Count == 0)
        {
            throw new ArgumentException($"An append to stream {streamId} needs at least one event.", nameof(events));
        }

        if (options?.StreamType is { } streamType)
        {
            StoredNames.ValidateStreamType(streamType, $"The stream type of stream {streamId}", nameof(options));
        }

        var serialized = new SerializedEvent[events.Count];
        var seenIds = events.Count > 1 ? new HashSet<Guid>(events.Count) : null;
        long totalBytes = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var newEvent = events[i]
                ?? throw new ArgumentNullException(nameof(events), $"Event {i} of the append to stream {streamId} is null.");
            if (newEvent.EventId == Guid.Empty)
            {
                throw new ArgumentException($"Event {i} of the append to stream {streamId} has an empty event id.", nameof(events));
            }

            if (seenIds is not null && !seenIds.Add(newEvent.EventId))
            {
                throw new ArgumentException(
                    $"Event id {newEvent.EventId} appears twice in one append to stream {streamId}; every event needs its own id.",
                    nameof(events));
            }

            var dataType = newEvent.Data.GetType();
            if (!_registry.TryGet(dataType, out var info))
            {
                throw _upcasterSources.TryGetValue(dataType, out var source)
                    ? UnknownEventTypeException.ForUpcasterSource(dataType, streamId, source.Upcaster, source.Current.ClrType, source.Current.Name)
                    : new UnknownEventTypeException(dataType, streamId);
            }

            var data = Serialize(streamId, i, newEvent.Data, info);
            if (data.Length > _maxEventSizeBytes)
            {
                throw new EventTooLargeException(streamId, $"event {i} ({info.Name})", data.Length, _maxEventSizeBytes,
                    nameof(EventStoreOptions.MaxEventSizeBytes));
            }

            var metadata = EventMetadata.Merge(newEvent.Metadata, options?.Metadata);
            if (metadata is not null && MetadataJson.FindNullHeader(metadata) is { } nullHeader)
            {
                throw new ArgumentException(
                    $"Event {i} ({info.Name}) of the append to stream {streamId} has a null value for header '{nullHeader}'. Nothing was written. "
                    + "Header values must not be null: leave the header out, or give it a value.", nameof(events));
            }

            var metadataJson = MetadataJson.Write(metadata);
            if (metadataJson is not null && ContainsEscapedNul(metadataJson))
            {
                throw new EventSerializationException(
                    $"The metadata of event {i} ({info.Name}) of the append to stream {streamId} contains the character U+0000, "
                    + "which PostgreSQL jsonb cannot store. Nothing was written. Remove it from the header or id.", streamId, info.Name);
            }

            totalBytes += data.Length + (metadataJson?.Length ?? 0);
            if (totalBytes > _maxAppendSizeBytes)
            {
                throw new EventTooLargeException(streamId, $"the append ({events.Count} events)", totalBytes, _maxAppendSizeBytes,
                    nameof(EventStoreOptions.MaxAppendSizeBytes));
            }

            serialized[i] = new SerializedEvent(newEvent.EventId, info.Name, info.SchemaVersion, data, metadataJson, metadata?.CreatedBy);
        }

        return serialized;
    }

    /// <summary>
    /// Resolves the stored type and version, upcasts older forms, and deserializes the event. Every
    /// read path goes through here. Returns null only for an unknown type that
    /// <see cref="UnknownEventTypeHandling.Skip"/> leaves out of a stream read.
    /// </summary>
    /// <param name="stored">The row as read.</param>
    /// <param name="neverSkip">
    /// True for reads that must not leave an event out: the global log (a consumer's checkpoint must
    /// move past every event) and the audit trail (a complete record, paged by cursor). There a
    /// type that <see cref="UnknownEventTypeHandling.Skip"/> would drop is surfaced as <see cref="UnknownEvent"/>.
    /// </param>
    public RecordedEvent? Deserialize(in StoredEvent stored, bool neverSkip = false)
    {
        object? data;
        EventTypeInfo? readAs = null;
        try
        {
            data = DeserializeData(stored, neverSkip, out readAs);
        }
        catch (Exception ex) when (neverSkip && ex is EventSerializationException or JsonException)
        {
            // The global log and the audit trail must never stop at one bad row: every consumer
            // behind it would be stuck. It is surfaced in its place, with the reason.
            data = new UnreadableEvent(stored.EventType, stored.SchemaVersion, System.Text.Encoding.UTF8.GetString(stored.Data.Span), ex.Message);
        }

        if (data is null)
        {
            return null;
        }

        return new RecordedEvent(
            stored.EventId,
            stored.StreamId,
            new StreamVersion(stored.Version),
            new GlobalPosition(stored.GlobalPosition),
            new LogPosition(stored.TransactionId, stored.GlobalPosition),
            readAs?.Name ?? stored.EventType,
            readAs?.SchemaVersion ?? stored.SchemaVersion,
            stored.EventType,
            stored.SchemaVersion,
            data,
            MetadataJson.Read(stored.Metadata.Span, stored.CreatedBy),
            stored.CreatedAt);
    }

    /// <summary>
    /// The event object of a stored row; null only for an unknown type a stream read skips.
    /// <paramref name="readAs"/> is the registered type it was read as, after any upcasting (null
    /// for an unknown type).
    /// </summary>
    private object? DeserializeData(in StoredEvent stored, bool neverSkip, out EventTypeInfo? readAs)
    {
        object data;
        readAs = null;
        if (_registry.TryGet(stored.EventType, out var info) && info.SchemaVersion == stored.SchemaVersion)
        {
            data = DeserializeCurrent(stored, info);
            readAs = info;
        }
        else if (_upcasters.TryGetChain(stored.EventType, stored.SchemaVersion, out var chain))
        {
            data = Upcast(stored, chain);
            readAs = chain.Target;
        }
        else if (info is not null)
        {
            throw new EventSerializationException(
                $"Event {stored.Version} of stream {stored.StreamId} is stored as {stored.EventType} v{stored.SchemaVersion}, but {info.ClrType.Name} is registered at "
                + $"v{info.SchemaVersion} and no upcaster reads v{stored.SchemaVersion}. "
                + (stored.SchemaVersion > info.SchemaVersion
                    ? "It was written by a newer version of the application; deploy that version here too."
                    : $"Add an upcaster from {stored.EventType} v{stored.SchemaVersion}."),
                stored.StreamId, stored.EventType);
        }
        else
        {
            switch (_unknownEventTypes)
            {
                case UnknownEventTypeHandling.Skip when !neverSkip:
                    return null;
                case UnknownEventTypeHandling.Skip or UnknownEventTypeHandling.Surface:
                    using (var document = JsonDocument.Parse(stored.Data))
                    {
                        data = new UnknownEvent(stored.EventType, stored.SchemaVersion, document.RootElement.Clone());
                    }

                    break;
                default:
                    throw new UnknownEventTypeException(stored.EventType, stored.StreamId, new StreamVersion(stored.Version));
            }
        }

        return data;
    }

    private object DeserializeCurrent(in StoredEvent stored, EventTypeInfo info)
    {
        object? data;
        try
        {
            data = JsonSerializer.Deserialize(stored.Data.Span, info.ClrType, _json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new EventSerializationException(
                $"Event {stored.Version} ({stored.EventType}) of stream {stored.StreamId} could not be read as {info.ClrType.Name}: {ex.Message} "
                + "If the event's shape changed, register an upcaster for the old schema version.", stored.StreamId, stored.EventType, ex);
        }

        return data ?? throw new EventSerializationException(
            $"Event {stored.Version} ({stored.EventType}) of stream {stored.StreamId} is stored as JSON null; an event must be an object.",
            stored.StreamId, stored.EventType);
    }

    private object Upcast(in StoredEvent stored, UpcasterPipeline.Chain chain)
    {
        try
        {
            return UpcasterPipeline.Run(chain, stored.Data.Span, _json);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new EventSerializationException(
                $"Upcasting event {stored.Version} ({stored.EventType} v{stored.SchemaVersion}, id {stored.EventId}, global position {stored.GlobalPosition}) "
                + $"of stream {stored.StreamId} to {chain.Target.Name} v{chain.Target.SchemaVersion} failed "
                + $"({string.Join(", then ", chain.Steps.Select(s => s.Describe()))}): {ex.Message}", stored.StreamId, stored.EventType, ex);
        }
    }

    private byte[] Serialize(StreamId streamId, int index, object data, EventTypeInfo info)
    {
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(data, info.ClrType, _json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new EventSerializationException(
                $"Event {index} ({info.Name}, {info.ClrType.Name}) of the append to stream {streamId} could not be serialized to JSON: {ex.Message} Nothing was written.",
                streamId, info.Name, ex);
        }

        if (ContainsEscapedNul(json))
        {
            throw new EventSerializationException(
                $"Event {index} ({info.Name}) of the append to stream {streamId} contains the character U+0000, which PostgreSQL jsonb cannot store. "
                + "Nothing was written. Remove it, or carry binary data as base64 (byte[] properties are).", streamId, info.Name);
        }

        if (FindRepeatedPropertyName(json) is { } repeated)
        {
            throw new EventSerializationException(
                $"Event {index} ({info.Name}) of the append to stream {streamId} repeats a property name within one JSON object ({repeated}). "
                + "PostgreSQL jsonb would silently keep only the last value, and the in-memory store both. Nothing was written. "
                + "Remove the repetition from the raw JSON the event carries (a JsonElement, JsonNode or custom converter).",
                streamId, info.Name);
        }

        return json;
    }

    /// <summary>
    /// What the parser says about the first property name repeated within one object, or null.
    /// Classes never serialize a name twice, but raw JSON held in an event (a JsonElement or
    /// JsonNode property, extension data, a custom converter) is written as given. One more
    /// parse per event, small next to the round trip, buys the same data from both stores.
    /// </summary>
    private string? FindRepeatedPropertyName(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = _json.MaxDepth });
            return null;
        }
        catch (JsonException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// True when the JSON holds the escape <c>\u0000</c> (jsonb rejects it). A backslash that is
    /// itself escaped (<c>\\u0000</c>, the literal text) does not count.
    /// </summary>
    internal static bool ContainsEscapedNul(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (true)
        {
            var found = json[offset..].IndexOf("\\u0000"u8);
            if (found < 0)
            {
                return false;
            }

            var at = offset + found;
            var backslashes = 0;
            for (var i = at - 1; i >= 0 && json[i] == (byte)'\\'; i--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 0)
            {
                return true;
            }

            offset = at + 1;
        }
    }
}
