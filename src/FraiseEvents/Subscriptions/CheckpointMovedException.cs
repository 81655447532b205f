namespace FraiseEvents.Subscriptions;

/// <summary>A subscription's compare-and-set found its checkpoint moved by someone else: it stops rather than guess.</summary>
internal sealed class CheckpointMovedException(string subscription, LogPosition expected)
    : InvalidOperationException(
        $"The checkpoint of subscription '{subscription}' is no longer at {expected}, where this instance left it: another instance "
        + "of the subscription moved it, or it was reset. This instance stopped; run one instance per subscription name, and reset "
        + "checkpoints of stopped subscriptions only.");
