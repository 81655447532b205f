namespace FraiseEvents.Subscriptions;

/// <summary>Which events of the global log a subscription is given: null lists let every value through.</summary>
internal sealed record LogFilter(string[]? EventTypes, string[]? StreamTypes)
{
    public static LogFilter None { get; } = new(null, null);

    public bool IsNone => EventTypes is null && StreamTypes is null;
}
