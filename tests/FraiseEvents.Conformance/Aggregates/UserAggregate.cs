using FraiseEvents.Aggregates;

namespace FraiseEvents.Conformance.Aggregates;

/// <summary>The documented UserAggregate, written on <see cref="Aggregate{TSelf}"/>, with snapshots.</summary>
public sealed class UserAggregate(StreamId id, int snapshotSchemaVersion = 1)
    : Aggregate<UserAggregate>(id), ISnapshotable<UserSnapshot>
{
    public string Name { get; private set; } = "";

    public string Email { get; private set; } = "";

    public bool IsCreated { get; private set; }

    /// <summary>How many events were applied to this instance; right after a load, the number the load read.</summary>
    public int EventsApplied { get; private set; }

    public int SnapshotSchemaVersion { get; } = snapshotSchemaVersion;

    public bool RestoredFromSnapshot { get; private set; }

    public void Register(string name, string email)
    {
        if (IsCreated)
        {
            throw new InvalidOperationException("The user already exists.");
        }

        Raise(new UserCreated(Id.Value, name, email));
    }

    public void Update(string? name = null, string? email = null)
    {
        EnsureLive();
        Raise(new UserUpdated(Id.Value, name, email));
    }

    public void Delete()
    {
        EnsureLive();
        Raise(new UserDeleted(Id.Value));
    }

    public UserSnapshot CreateSnapshot() => new(Name, Email, IsCreated, IsDeleted);

    public void RestoreSnapshot(UserSnapshot snapshot)
    {
        Name = snapshot.Name;
        Email = snapshot.Email;
        IsCreated = snapshot.IsCreated;
        IsDeleted = snapshot.IsDeleted;
        RestoredFromSnapshot = true;
    }

    /// <summary>The state as a value, to compare with a model.</summary>
    public UserModel ToModel() => new(Name, Email, IsCreated, IsDeleted, Version.Value);

    private void EnsureLive()
    {
        if (!IsCreated || IsDeleted)
        {
            throw new InvalidOperationException("The user does not exist.");
        }
    }

    private void Apply(UserCreated e)
    {
        Name = e.Name;
        Email = e.Email;
        IsCreated = true;
        Count();
    }

    private void Apply(UserUpdated e)
    {
        Name = e.Name ?? Name;
        Email = e.Email ?? Email;
        Count();
    }

    private void Apply(UserDeleted e)
    {
        IsDeleted = true;
        Count();
    }

    private void Count() => EventsApplied++;
}

public sealed record UserSnapshot(string Name, string Email, bool IsCreated, bool IsDeleted);

/// <summary>The user's state as a plain value: what folding the events in memory gives.</summary>
public sealed record UserModel(string Name, string Email, bool IsCreated, bool IsDeleted, long Version)
{
    public static UserModel Empty { get; } = new("", "", false, false, 0);

    public UserModel Apply(object @event) => (@event switch
    {
        UserCreated e => this with { Name = e.Name, Email = e.Email, IsCreated = true },
        UserUpdated e => this with { Name = e.Name ?? Name, Email = e.Email ?? Email },
        UserDeleted => this with { IsDeleted = true },
        _ => this,
    }) with { Version = Version + 1 };
}
