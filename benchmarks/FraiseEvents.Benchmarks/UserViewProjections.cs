using FraiseEvents.Projections;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace FraiseEvents.Benchmarks;

/// <summary>
/// The read model of the *-inline scenarios: the same document, fold and deletion on both sides. Its
/// methods are not named Create/Apply: Marten would take them for a self-aggregating type.
/// </summary>
public sealed class UserView
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public string Email { get; set; } = "";

    public int Revision { get; set; }

    public int Events { get; set; }

    public static UserView Start(UserCreated e) => new() { Id = e.UserId, Name = e.Name, Email = e.Email, Events = 1 };

    public UserView Change(UserUpdated e)
    {
        Name = e.Name;
        Email = e.Email;
        Revision = e.Revision;
        Events++;
        return this;
    }
}

/// <summary>FraiseEvents' inline document projection: proj_user_view, v_user_view.</summary>
internal sealed class FraiseUserViewProjection : DocumentProjection<UserView>
{
    public FraiseUserViewProjection()
        : base("user_view")
    {
        Create<UserCreated>(UserView.Start);
        Apply<UserUpdated>((view, e) => view.Change(e));
        Delete<UserDeleted>();
    }
}

/// <summary>Marten's inline single-stream projection of the same shape, in its explicit (no code generation by convention) form.</summary>
internal sealed class MartenUserViewProjection : SingleStreamProjection<UserView, Guid>
{
    public override UserView? Evolve(UserView? snapshot, Guid id, IEvent e) => e.Data switch
    {
        UserCreated created => UserView.Start(created),
        UserUpdated updated => snapshot?.Change(updated),
        UserDeleted => null,
        _ => snapshot,
    };
}
