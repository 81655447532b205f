namespace FraiseEvents.Conformance;

public sealed record UserCreated(Guid UserId, string Name, string Email);

public sealed record UserUpdated(Guid UserId, string? Name = null, string? Email = null);

public sealed record UserDeleted(Guid UserId);

/// <summary>Serializes to JSON, but to a double the JSON standard cannot represent.</summary>
public sealed record MeasurementTaken(double Value);

/// <summary>Carries JSON as the caller gave it, which System.Text.Json writes unchanged.</summary>
public sealed record RawJsonReceived(System.Text.Json.JsonElement Payload);

/// <summary>Never registered: appending it must fail.</summary>
public sealed record NotRegistered(string Value);

public static class TestEvents
{
    /// <summary>Options with every test event registered, then <paramref name="configure"/> applied.</summary>
    public static EventStoreOptions Options(Action<EventStoreOptions>? configure = null)
    {
        var options = new EventStoreOptions();
        RegisterAll(options);
        configure?.Invoke(options);
        return options;
    }

    public static void RegisterAll(EventStoreOptions options)
    {
        options.Events.Register<UserCreated>();
        options.Events.Register<UserUpdated>();
        options.Events.Register<UserDeleted>();
        options.Events.Register<MeasurementTaken>();
    }

    public static UserCreated Created(int i = 0) => new(Guid.NewGuid(), $"User {i}", $"user{i}@example.com");

    public static NewEvent[] Batch(int count) => [.. Enumerable.Range(1, count).Select(i => new NewEvent(Created(i)))];
}
