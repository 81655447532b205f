namespace FraiseEvents.Subscriptions;

/// <summary>
/// Handles the events of a subscription registered with
/// <see cref="EventStoreBuilder.AddSubscription{THandler}"/>; resolved from the container, so it can
/// take dependencies.
/// </summary>
public interface ISubscriptionHandler
{
    /// <summary>
    /// Handles one event. Delivery is at-least-once: after a crash, or a retry, the same event can
    /// come again; use <see cref="RecordedEvent.EventId"/> to make the effect idempotent.
    /// </summary>
    /// <param name="event">The event, with its <see cref="RecordedEvent.LogPosition"/> and <see cref="RecordedEvent.EventId"/>.</param>
    /// <param name="cancellationToken">Cancelled only when a stop is forced (its own token was cancelled); a graceful stop lets the current event finish.</param>
    ValueTask HandleAsync(RecordedEvent @event, CancellationToken cancellationToken);
}
