using FraiseEvents.Projections;

namespace FraiseEvents.Conformance.Projections;

/// <summary>The documented user read model as a document: partial updates, a change count, deleted on USER_DELETED.</summary>
public sealed record UserDocument(string Name, string Email, int Changes);

public sealed class UserDocumentProjection : DocumentProjection<UserDocument>
{
    public const string ProjectionName = "user_doc";

    public UserDocumentProjection()
        : base(ProjectionName)
    {
        Create<UserCreated>(e => new UserDocument(e.Name, e.Email, 1));
        Apply<UserUpdated>((user, e) => user with { Name = e.Name ?? user.Name, Email = e.Email ?? user.Email, Changes = user.Changes + 1 });
        Delete<UserDeleted>();
    }

    /// <summary>What the projection gives for a stream's events, folded here without a store: the model to compare with.</summary>
    public static UserDocument? Fold(IEnumerable<object> events)
    {
        UserDocument? user = null;
        foreach (var e in events)
        {
            user = e switch
            {
                UserCreated c => new UserDocument(c.Name, c.Email, 1),
                UserUpdated u when user is not null => user with { Name = u.Name ?? user.Name, Email = u.Email ?? user.Email, Changes = user.Changes + 1 },
                UserDeleted => null,
                _ => user,
            };
        }

        return user;
    }
}

/// <summary>One document per e-mail domain, fed by every user stream: a document keyed by a value in the event.</summary>
public sealed record DomainUsers(string Domain, int Users, List<string> Names);

public sealed class DomainUsersProjection : DocumentProjection<DomainUsers>
{
    public const string ProjectionName = "users_per_domain";

    public DomainUsersProjection()
        : base(ProjectionName)
    {
        KeyBy<UserCreated>(e => e.Email[(e.Email.IndexOf('@', StringComparison.Ordinal) + 1)..]);
        StartWith(domain => new DomainUsers(domain, 0, []));
        Apply<UserCreated>((domain, e) => domain with { Users = domain.Users + 1, Names = [.. domain.Names, e.Name] });
    }
}

/// <summary>Throws on a user named "boom", to fail appends.</summary>
public sealed class ThrowingProjection : DocumentProjection<ThrowingProjection.Seen>
{
    public ThrowingProjection()
        : base("throwing")
    {
        Create<UserCreated>(e => e.Name == "boom" ? throw new InvalidOperationException("boom is not a name") : new Seen(e.Name));
    }

    public sealed record Seen(string Name);
}

/// <summary>The user document of <see cref="UserDocumentProjection"/>, built by the projection daemon instead of inline.</summary>
public sealed record AsyncUserDocument(string Name, string Email, int Changes);

public sealed class AsyncUserDocumentProjection : DocumentProjection<AsyncUserDocument>
{
    public const string ProjectionName = "user_doc_async";

    public AsyncUserDocumentProjection()
        : base(ProjectionName, ProjectionLifecycle.Async)
    {
        Create<UserCreated>(e => new AsyncUserDocument(e.Name, e.Email, 1));
        Apply<UserUpdated>((user, e) => user with { Name = e.Name ?? user.Name, Email = e.Email ?? user.Email, Changes = user.Changes + 1 });
        Delete<UserDeleted>();
    }
}

/// <summary>An async projection that throws on a user named "boom" while <see cref="Broken"/> is set.</summary>
public sealed class AsyncThrowingProjection : DocumentProjection<AsyncThrowingProjection.Seen>
{
    public const string ProjectionName = "throwing_async";

    public AsyncThrowingProjection()
        : base(ProjectionName, ProjectionLifecycle.Async)
    {
        Create<UserCreated>(e => Broken && e.Name == "boom" ? throw new InvalidOperationException("boom is not a name") : new Seen(e.Name));
    }

    public bool Broken { get; set; } = true;

    public sealed record Seen(string Name);
}
