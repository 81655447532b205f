using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    [Test]
    public async Task A_checkpoint_moves_only_from_the_position_the_caller_expects()
    {
        var checkpoints = (ICheckpointStore)await CreateStoreAsync();
        var first = new LogPosition(10, 100);
        var second = new LogPosition(12, 130);

        Assert.That(await checkpoints.ReadCheckpointAsync("mailer"), Is.Null, "a consumer that never stored one has none");
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync("mailer", LogPosition.Start, first), Is.True, "no checkpoint counts as the start");
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync("mailer", LogPosition.Start, second), Is.False, "a stale instance is refused");
        Assert.That(await checkpoints.ReadCheckpointAsync("mailer"), Is.EqualTo(first));
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync("mailer", first, second), Is.True);
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync("mailer", first, first), Is.False);
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync("mailer", second, first), Is.True, "backwards is allowed when expected");
        Assert.That(await checkpoints.ReadCheckpointAsync("mailer"), Is.EqualTo(first));
        Assert.That(await checkpoints.ReadCheckpointAsync("other"), Is.Null, "checkpoints are per consumer");
    }

    [Test]
    public async Task A_reset_sets_the_checkpoint_whatever_it_was()
    {
        var checkpoints = (ICheckpointStore)await CreateStoreAsync();
        await checkpoints.CompareAndSetCheckpointAsync("mailer", LogPosition.Start, new LogPosition(10, 100));

        await checkpoints.ResetCheckpointAsync("mailer");
        Assert.That(await checkpoints.ReadCheckpointAsync("mailer"), Is.EqualTo(LogPosition.Start));

        await checkpoints.ResetCheckpointAsync("mailer", new LogPosition(7, 70));
        Assert.That(await checkpoints.ReadCheckpointAsync("mailer"), Is.EqualTo(new LogPosition(7, 70)));

        await checkpoints.ResetCheckpointAsync("new-consumer", new LogPosition(3, 30));
        Assert.That(await checkpoints.ReadCheckpointAsync("new-consumer"), Is.EqualTo(new LogPosition(3, 30)));
    }

    [Test]
    public async Task Consumer_names_must_be_1_to_200_characters_and_not_blank()
    {
        var checkpoints = (ICheckpointStore)await CreateStoreAsync();

        Assert.ThrowsAsync<ArgumentException>(() => checkpoints.ReadCheckpointAsync(""));
        Assert.ThrowsAsync<ArgumentException>(() => checkpoints.CompareAndSetCheckpointAsync("  ", LogPosition.Start, LogPosition.Start));
        Assert.ThrowsAsync<ArgumentException>(() => checkpoints.ResetCheckpointAsync(new string('x', 201)));
        Assert.That(await checkpoints.CompareAndSetCheckpointAsync(new string('x', 200), LogPosition.Start, new LogPosition(1, 1)), Is.True);
    }
}
