namespace FraiseEvents.Upcasting;

/// <summary>
/// Turns an event stored in an older form into the next schema version: from
/// (<see cref="EventType"/>, <see cref="FromVersion"/>) to (<see cref="ToEventType"/> or the same
/// name, <see cref="FromVersion"/> + 1). Chains of upcasters run on every read, before the event
/// reaches your code; stored events never change. Derive from <see cref="JsonEventUpcaster"/>
/// (edit the raw JSON) or <see cref="EventUpcaster{TFrom, TTo}"/> (convert between two classes).
/// </summary>
public abstract class EventUpcaster
{
    private protected EventUpcaster()
    {
    }

    /// <summary>The stored event type name this upcaster reads, for example <c>USER_CREATED</c>.</summary>
    public abstract string EventType { get; }

    /// <summary>The stored schema version this upcaster reads; it produces the next one.</summary>
    public abstract int FromVersion { get; }

    /// <summary>The event type name the result has, when the upcaster renames the event; null keeps the name.</summary>
    public virtual string? ToEventType => null;

    internal string TargetEventType => ToEventType ?? EventType;

    internal int ToVersion => FromVersion + 1;

    /// <summary>For typed upcasters: the old shape read from JSON; null for JSON upcasters.</summary>
    internal virtual Type? FromType => null;

    /// <summary>For typed upcasters: the shape produced; null for JSON upcasters.</summary>
    internal virtual Type? ToType => null;

    /// <summary>For typed upcasters: converts an instance of <see cref="FromType"/>.</summary>
    internal virtual object UpcastObject(object data) =>
        throw new InvalidOperationException($"{GetType().Name} is not a typed upcaster.");

    internal string Describe() =>
        $"{EventType} v{FromVersion} -> {TargetEventType} v{ToVersion} ({GetType().Name})";
}
