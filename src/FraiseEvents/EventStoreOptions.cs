using System.Text.Json;
using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using FraiseEvents.Upcasting;

namespace FraiseEvents;

/// <summary>Settings shared by every store: event types, JSON and size limits.</summary>
public sealed class EventStoreOptions
{
    /// <summary>The default for <see cref="MaxEventSizeBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxEventSizeBytes = 1 << 20;

    /// <summary>The default for <see cref="MaxAppendSizeBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxAppendSizeBytes = 16 << 20;

    /// <summary>The event types this store reads and writes.</summary>
    public EventTypeRegistry Events { get; } = new();

    /// <summary>Upcasters that turn events stored in older forms into the registered types' current versions.</summary>
    public EventUpcasters Upcasters { get; } = new();

    /// <summary>
    /// The read models the store keeps. Inline projections are written in each append's own
    /// transaction; they are checked when the store is created.
    /// </summary>
    public ProjectionRegistry Projections { get; } = new();

    /// <summary>
    /// What reads do with a stored event type that no registered type or upcaster accounts for.
    /// The default is <see cref="UnknownEventTypeHandling.Throw"/>.
    /// </summary>
    public UnknownEventTypeHandling UnknownEventTypes { get; set; } = UnknownEventTypeHandling.Throw;

    /// <summary>
    /// How event data is serialized. The default uses snake_case property names, as the documented
    /// SQL projections expect (<c>event_data-&gt;&gt;'created_at'</c>), and web defaults otherwise.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = CreateDefaultJsonSerializerOptions();

    /// <summary>The largest event, as serialized JSON, that an append accepts. The default is 1 MiB.</summary>
    public int MaxEventSizeBytes { get; set; } = DefaultMaxEventSizeBytes;

    /// <summary>The largest append, all events' JSON together, that is accepted. The default is 16 MiB.</summary>
    public int MaxAppendSizeBytes { get; set; } = DefaultMaxAppendSizeBytes;

    /// <summary>The JSON settings used when none are given.</summary>
    public static JsonSerializerOptions CreateDefaultJsonSerializerOptions() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    /// <summary>Checks every setting; the message names the one that is wrong.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (MaxEventSizeBytes < 1)
        {
            throw new ArgumentException($"EventStoreOptions.MaxEventSizeBytes must be positive (was {MaxEventSizeBytes}).");
        }

        if (MaxAppendSizeBytes < MaxEventSizeBytes)
        {
            throw new ArgumentException(
                $"EventStoreOptions.MaxAppendSizeBytes ({MaxAppendSizeBytes}) must be at least MaxEventSizeBytes ({MaxEventSizeBytes}).");
        }

        if (JsonSerializerOptions is null)
        {
            throw new ArgumentException("EventStoreOptions.JsonSerializerOptions must not be null.");
        }
    }
}
