using System.Text.Json.Nodes;

namespace FraiseEvents.Upcasting;

/// <summary>
/// The upcasters of a store (<see cref="EventStoreOptions.Upcasters"/>). Each is checked when added;
/// the chains as a whole (no gaps, every chain ending at a registered type's current version) are
/// checked when the store is created, so a mistake fails at start-up, not at the first read.
/// </summary>
public sealed class EventUpcasters
{
    private readonly List<EventUpcaster> _upcasters = [];
    private bool _frozen;

    /// <summary>Every upcaster added, in order.</summary>
    public IReadOnlyList<EventUpcaster> All => _upcasters;

    /// <summary>Adds an upcaster instance.</summary>
    /// <exception cref="ArgumentException">It is invalid, or another upcaster already reads the same type and version.</exception>
    public EventUpcasters Add(EventUpcaster upcaster)
    {
        ArgumentNullException.ThrowIfNull(upcaster);
        if (_frozen)
        {
            throw new InvalidOperationException(
                $"Cannot add the upcaster {upcaster.GetType().Name}: the store is already created. Add upcasters before creating the store.");
        }

        if (string.IsNullOrWhiteSpace(upcaster.EventType) || upcaster.ToEventType is { } to && string.IsNullOrWhiteSpace(to))
        {
            throw new ArgumentException($"The upcaster {upcaster.GetType().Name} needs a non-blank EventType (and ToEventType, if set).", nameof(upcaster));
        }

        if (upcaster.FromVersion < 1)
        {
            throw new ArgumentException(
                $"The upcaster {upcaster.GetType().Name} for {upcaster.EventType} reads version {upcaster.FromVersion}; schema versions start at 1.",
                nameof(upcaster));
        }

        var clash = _upcasters.FirstOrDefault(u => u.EventType == upcaster.EventType && u.FromVersion == upcaster.FromVersion);
        if (clash is not null)
        {
            throw new ArgumentException(
                $"Two upcasters read {upcaster.EventType} v{upcaster.FromVersion}: {clash.Describe()} and {upcaster.Describe()}. Keep one.",
                nameof(upcaster));
        }

        _upcasters.Add(upcaster);
        return this;
    }

    /// <summary>Adds an upcaster that edits the JSON of <paramref name="eventType"/> at <paramref name="fromVersion"/>.</summary>
    /// <param name="eventType">The stored event type name read.</param>
    /// <param name="fromVersion">The stored schema version read; the result is the next version.</param>
    /// <param name="upcast">Returns the JSON at the next version.</param>
    /// <param name="toEventType">The new name, when the event type is renamed.</param>
    public EventUpcasters AddJson(string eventType, int fromVersion, Func<JsonObject, JsonObject> upcast, string? toEventType = null)
    {
        ArgumentNullException.ThrowIfNull(upcast);
        return Add(new DelegateJsonUpcaster(eventType, fromVersion, upcast, toEventType));
    }

    /// <summary>Adds an upcaster that converts <typeparamref name="TFrom"/> (the stored shape) to <typeparamref name="TTo"/>.</summary>
    /// <param name="eventType">The stored event type name read.</param>
    /// <param name="fromVersion">The stored schema version read; the result is the next version.</param>
    /// <param name="upcast">Converts the old shape to the next one.</param>
    /// <param name="toEventType">The new name, when the event type is renamed.</param>
    public EventUpcasters Add<TFrom, TTo>(string eventType, int fromVersion, Func<TFrom, TTo> upcast, string? toEventType = null)
        where TFrom : class
        where TTo : class
    {
        ArgumentNullException.ThrowIfNull(upcast);
        return Add(new DelegateUpcaster<TFrom, TTo>(eventType, fromVersion, upcast, toEventType));
    }

    internal void Freeze() => _frozen = true;

    private sealed class DelegateJsonUpcaster(string eventType, int fromVersion, Func<JsonObject, JsonObject> upcast, string? toEventType)
        : JsonEventUpcaster
    {
        public override string EventType => eventType;

        public override int FromVersion => fromVersion;

        public override string? ToEventType => toEventType;

        public override JsonObject Upcast(JsonObject data) => upcast(data);
    }

    private sealed class DelegateUpcaster<TFrom, TTo>(string eventType, int fromVersion, Func<TFrom, TTo> upcast, string? toEventType)
        : EventUpcaster<TFrom, TTo>
        where TFrom : class
        where TTo : class
    {
        public override string EventType => eventType;

        public override int FromVersion => fromVersion;

        public override string? ToEventType => toEventType;

        public override TTo Upcast(TFrom data) => upcast(data);
    }
}
