using FraiseEvents.Aggregates;

namespace FraiseEvents.Conformance;

/// <summary>An aggregate over today's USER_CREATED (v3), to read old events through the aggregate paths.</summary>
public sealed class UserProfile(StreamId id) : Aggregate<UserProfile>(id), ISnapshotable<UserProfileSnapshot>
{
    public List<string> Emails { get; private set; } = [];

    public int SnapshotSchemaVersion => 1;

    public void AddAccount(string first, string last, string email) => Raise(new UserCreatedV3(first, last, email, "en"));

    public UserProfileSnapshot CreateSnapshot() => new([.. Emails]);

    public void RestoreSnapshot(UserProfileSnapshot snapshot) => Emails = [.. snapshot.Emails];

    private void Apply(UserCreatedV3 e) => Emails.Add($"{e.FirstName}|{e.LastName}|{e.Email}|{e.Locale}");
}

public sealed record UserProfileSnapshot(List<string> Emails);
