using System.Collections.Concurrent;
using FraiseEvents.Conformance;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;

namespace FraiseEvents.Tests.Subscriptions;

public sealed class HostedSubscriptionTests
{
    [Test]
    public async Task A_generic_host_starts_a_registered_subscription_and_its_stop_stores_the_checkpoint()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Inbox>();
        builder.Services.AddEventStore(TestEvents.RegisterAll).UseInMemory()
            .AddSubscription<WelcomeMailer>("welcome-mails", o => o.PollInterval = TimeSpan.FromMilliseconds(10));
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<IEventStore>();
        var before = TestEvents.Created(1);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(before)]);

        await host.StartAsync();
        var subscription = host.Services.GetRequiredKeyedService<Subscription>("welcome-mails");
        var after = TestEvents.Created(2);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(after)]);
        var inbox = host.Services.GetRequiredService<Inbox>();
        await WaitUntilAsync(() => inbox.Sent.Count == 2);
        await host.StopAsync();

        Assert.That(inbox.Sent, Is.EqualTo(new[] { before.Email, after.Email }), "the handler came from the container, with its dependency");
        Assert.That(subscription.Status.State, Is.EqualTo(SubscriptionState.Stopped));
        var checkpoints = host.Services.GetRequiredService<ICheckpointStore>();
        Assert.That(checkpoints, Is.SameAs(store), "the store is registered as the checkpoint store too");
        Assert.That(await checkpoints.ReadCheckpointAsync("welcome-mails"), Is.EqualTo(subscription.Status.Position));
        Assert.That(subscription.Status.Position, Is.Not.EqualTo(LogPosition.Start));
    }

    [Test]
    public void Two_subscriptions_with_one_name_are_refused_at_registration()
    {
        var builder = new ServiceCollection().AddEventStore().UseInMemory().AddSubscription<WelcomeMailer>("mails");

        var error = Assert.Throws<ArgumentException>(() => builder.AddSubscription<WelcomeMailer>("mails"));
        Assert.That(error!.Message, Does.Contain("mails"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "gave up waiting");
            await Task.Delay(10);
        }
    }

    private sealed class Inbox
    {
        public ConcurrentQueue<string> Sent { get; } = new();
    }

    private sealed class WelcomeMailer(Inbox inbox) : ISubscriptionHandler
    {
        public ValueTask HandleAsync(RecordedEvent @event, CancellationToken cancellationToken)
        {
            if (@event.Data is UserCreated created)
            {
                inbox.Sent.Enqueue(created.Email);
            }

            return ValueTask.CompletedTask;
        }
    }
}
