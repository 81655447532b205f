namespace FraiseEvents.Benchmarks;

// The same event model for every library: records with realistic payloads (~250 bytes of JSON).
public sealed record UserCreated(Guid UserId, string Name, string Email, string Country, DateTimeOffset RegisteredAt, string[] Roles);

public sealed record UserUpdated(Guid UserId, string Name, string Email, string? Phone, string City, int Revision);

public sealed record UserDeleted(Guid UserId, string Reason, DateTimeOffset DeletedAt);

/// <summary>Deterministic event data, so every library writes the same bytes.</summary>
internal static class UserEvents
{
    private static readonly string[] Countries = ["FR", "DE", "NL", "BE", "ES", "IT", "PT", "SE"];
    private static readonly string[] Cities = ["Lyon", "Berlin", "Utrecht", "Gent", "Sevilla", "Torino", "Porto", "Malmö"];
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly Type[] Types = [typeof(UserCreated), typeof(UserUpdated), typeof(UserDeleted)];

    /// <summary>The i-th event (0-based) of a user's stream of <paramref name="count"/> events.</summary>
    public static object For(Guid userId, int i, int count)
    {
        var n = Math.Abs(userId.GetHashCode());
        if (i == 0)
        {
            return new UserCreated(userId, $"User {n}", $"user{n}@example.com", Countries[n % Countries.Length],
                Epoch.AddSeconds(n % 1_000_000), ["reader", n % 3 == 0 ? "editor" : "viewer"]);
        }

        if (i == count - 1 && count > 2)
        {
            return new UserDeleted(userId, "Account closed at the user's request", Epoch.AddSeconds((n % 1_000_000) + i));
        }

        return new UserUpdated(userId, $"User {n} v{i}", $"user{n}.{i}@example.com", i % 2 == 0 ? $"+33 6 {n % 100_000_000:D8}" : null,
            Cities[(n + i) % Cities.Length], i);
    }

    public static object[] Stream(Guid userId, int count)
    {
        var events = new object[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = For(userId, i, count);
        }

        return events;
    }
}

/// <summary>The state the rehydration scenarios fold the events into, identically for every library.</summary>
internal sealed class UserState
{
    public string? Name { get; private set; }
    public string? Email { get; private set; }
    public int Revision { get; private set; }
    public bool Deleted { get; private set; }
    public int Events { get; private set; }

    /// <summary>Takes the state a snapshot kept (S5-snapshot); counts no event.</summary>
    public void Restore(BenchUserSnapshot snapshot)
    {
        Name = snapshot.Name;
        Email = snapshot.Email;
        Revision = snapshot.Revision;
        Deleted = snapshot.Deleted;
    }

    public void Apply(object e)
    {
        Events++;
        switch (e)
        {
            case UserCreated c:
                Name = c.Name;
                Email = c.Email;
                break;
            case UserUpdated u:
                Name = u.Name;
                Email = u.Email;
                Revision = u.Revision;
                break;
            case UserDeleted:
                Deleted = true;
                break;
            default:
                throw new InvalidOperationException($"Unexpected event {e.GetType()}");
        }
    }
}
