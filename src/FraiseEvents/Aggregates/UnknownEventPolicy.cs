namespace FraiseEvents.Aggregates;

/// <summary>What an <see cref="Aggregate{TSelf}"/> does with an event it has no apply method for.</summary>
public enum UnknownEventPolicy
{
    /// <summary>Skip it: the event does not change this aggregate's state. The default.</summary>
    Ignore = 0,

    /// <summary>Throw <see cref="UnhandledEventException"/>, for aggregates that must understand every event of their stream.</summary>
    Reject = 1,
}
