using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.InMemory;
using FraiseEvents.Projections;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

public sealed class ProjectionValidationTests
{
    private static EventStoreConfigurationException Refused(Action<EventStoreOptions> configure) =>
        Assert.Throws<EventStoreConfigurationException>(() => _ = new InMemoryEventStore(TestEvents.Options(configure)))!;

    [Test]
    public void Two_projections_with_one_name_are_refused_naming_it()
    {
        var ex = Refused(o => o.Projections.Add<UserDocumentProjection>().Add(new Named(UserDocumentProjection.ProjectionName)));
        Assert.That(ex.Message, Does.Contain("'user_doc'").And.Contain("same name"));
    }

    [Test]
    public void A_handled_event_type_that_is_not_registered_is_refused_naming_projection_and_type()
    {
        var ex = Refused(o => o.Projections.Add(new HandlesUnregistered()));
        Assert.That(ex.Message, Does.Contain("'unregistered'").And.Contain(nameof(NotRegistered)).And.Contain("Register"));
    }

    [Test]
    public void A_projection_without_handlers_is_refused()
    {
        var ex = Refused(o => o.Projections.Add(new NoHandlers()));
        Assert.That(ex.Message, Does.Contain("'empty'").And.Contain("no event type"));
    }

    [TestCase("")]
    [TestCase("Users")]
    [TestCase("1users")]
    [TestCase("user-doc")]
    [TestCase("a_name_that_is_far_too_long_to_be_a_postgres_table_name_x")]
    public void A_name_that_cannot_name_a_table_is_refused(string name)
    {
        var ex = Refused(o => o.Projections.Add(new Named(name)));
        Assert.That(ex.Message, Does.Contain("a-z, 0-9 and _"));
    }

    [Test]
    public async Task An_async_projection_is_accepted_and_does_not_ride_with_appends()
    {
        var store = new InMemoryEventStore(TestEvents.Options(o => o.Projections.Add(new Named("later", ProjectionLifecycle.Async))));
        var id = StreamId.New();
        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserDeleted(id.Value))]);
        Assert.That(await store.LoadAsync<Named.Doc>(id), Is.Null, "an async projection runs in the daemon, not in the append");
    }

    [Test]
    public void A_lifecycle_that_is_not_one_is_refused()
    {
        var ex = Refused(o => o.Projections.Add(new Named("odd", (ProjectionLifecycle)7)));
        Assert.That(ex.Message, Does.Contain("'odd'").And.Contain("Inline or Async"));
    }

    [Test]
    public void A_string_keyed_projection_must_key_every_event_it_handles()
    {
        var ex = Refused(o => o.Projections.Add(new PartlyKeyed()));
        Assert.That(ex.Message, Does.Contain("'partly_keyed'").And.Contain(nameof(UserDeleted)));
    }

    [Test]
    public void Two_handlers_for_one_event_type_are_refused_when_the_projection_is_built()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new TwoHandlers());
        Assert.That(ex!.Message, Does.Contain(nameof(UserCreated)));
    }

    [Test]
    public async Task Projections_added_through_dependency_injection_are_resolved_from_the_container()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new Greeting("Dear"));
        services.AddEventStore(TestEvents.RegisterAll).AddProjection<GreetingProjection>().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IEventStore>();
        var id = StreamId.New();

        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);

        Assert.That(await provider.GetRequiredService<IDocumentReader>().LoadAsync<GreetingProjection.Letter>(id),
            Is.EqualTo(new GreetingProjection.Letter("Dear Ada")));
    }

    [Test]
    public void Loading_a_document_type_no_projection_has_names_the_remedy()
    {
        var store = new InMemoryEventStore(TestEvents.Options(o => o.Projections.Add<UserDocumentProjection>()));
        var ex = Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync<DomainUsers>("example.com"));
        Assert.That(ex!.Message, Does.Contain(nameof(DomainUsers)).And.Contain("options.Projections.Add"));
    }

    private sealed class Named : DocumentProjection<Named.Doc>
    {
        public Named(string name, ProjectionLifecycle lifecycle = ProjectionLifecycle.Inline)
            : base(name, lifecycle) => Create<UserDeleted>(_ => new Doc());

        public sealed record Doc;
    }

    private sealed class HandlesUnregistered : SqlProjection
    {
        public HandlesUnregistered()
            : base("unregistered") => Handles<NotRegistered>();

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken) =>
            ValueTask.CompletedTask;
    }

    private sealed class NoHandlers : SqlProjection
    {
        public NoHandlers()
            : base("empty")
        {
        }

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken) =>
            ValueTask.CompletedTask;
    }

    private sealed class PartlyKeyed : DocumentProjection<PartlyKeyed.Doc>
    {
        public PartlyKeyed()
            : base("partly_keyed")
        {
            KeyBy<UserCreated>(e => e.Email);
            Create<UserCreated>(_ => new Doc());
            Delete<UserDeleted>();
        }

        public sealed record Doc;
    }

    private sealed class TwoHandlers : DocumentProjection<TwoHandlers.Doc>
    {
        public TwoHandlers()
            : base("two")
        {
            Create<UserCreated>(_ => new Doc());
            Apply<UserCreated>((d, _) => d);
        }

        public sealed record Doc;
    }

    public sealed record Greeting(string Word);

    private sealed class GreetingProjection : DocumentProjection<GreetingProjection.Letter>
    {
        public GreetingProjection(Greeting greeting)
            : base("greetings") => Create<UserCreated>(e => new Letter($"{greeting.Word} {e.Name}"));

        public sealed record Letter(string Text);
    }
}
