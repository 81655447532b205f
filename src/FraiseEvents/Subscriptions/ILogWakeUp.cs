namespace FraiseEvents.Subscriptions;

/// <summary>
/// Wakes consumers of the global log (subscriptions, and later the async projection daemon) when
/// the log may have grown, so that they need not poll hard. A wake-up is a hint, never a promise:
/// a consumer still reads to find out, and still polls at its own interval, because a wake-up can
/// be lost (a listener connection that dropped) or come before the event is visible. Both stores
/// implement it: the in-memory store wakes on every append, the PostgreSQL store on its own
/// appends and on notifications from other processes.
/// </summary>
internal interface ILogWakeUp
{
    /// <summary>
    /// A waiter for one consumer, watching from now: its first <see cref="LogWaiter.WaitAsync"/>
    /// returns at once when the log was signalled after this call. Create it before the first read
    /// and dispose it when the consumer stops.
    /// </summary>
    LogWaiter CreateWaiter();
}
