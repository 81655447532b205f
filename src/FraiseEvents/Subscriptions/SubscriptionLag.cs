namespace FraiseEvents.Subscriptions;

/// <summary>The lag figures of the latest refresh, published with each <see cref="SubscriptionStatus"/>.</summary>
internal sealed record SubscriptionLag(long EventsBehind, TimeSpan TimeBehind, LogHoldUp? HoldUp);
