using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

public abstract partial class AggregateContract
{
    /// <summary>Sequences per run. Set FRAISEEVENTS_SEED to replay a failing run.</summary>
    private const int Sequences = 12;

    [Test]
    public async Task Rebuilding_random_user_histories_equals_folding_their_events_in_memory_at_every_version()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FRAISEEVENTS_SEED"), out var fixedSeed)
            ? fixedSeed
            : TestContext.CurrentContext.Random.Next();
        TestContext.Out.WriteLine($"seed {seed} (set FRAISEEVENTS_SEED={seed} to replay)");
        var random = new Random(seed);
        var store = await CreateStoreAsync();

        for (var sequence = 0; sequence < Sequences; sequence++)
        {
            var every = random.Next(1, 6);
            var context = $"seed {seed}, sequence {sequence}, snapshot every {every}";
            var withSnapshots = Users(store, SnapshotPolicy.Every(every, random.Next(2) == 0 ? SnapshotMode.Inline : SnapshotMode.AfterCommit,
                keep: random.Next(1, 6)));
            var withoutSnapshots = Users(store);

            // Run random commands through the aggregate, saving after random batches, and keep the
            // model of every prefix: state i is the fold of the first i events.
            var models = new List<UserModel> { UserModel.Empty };
            var user = withSnapshots.Create(StreamId.New());
            user.Register(RandomName(random), RandomEmail(random));
            var length = random.Next(1, 25);
            while (true)
            {
                foreach (var @event in user.UncommittedEvents.Skip(models.Count - 1 - (int)user.Version.Value))
                {
                    models.Add(models[^1].Apply(@event));
                }

                if (random.Next(3) == 0 || models.Count > length || user.IsDeleted)
                {
                    await withSnapshots.SaveAsync(user);
                }

                if (models.Count > length || user.IsDeleted)
                {
                    break;
                }

                switch (random.Next(10))
                {
                    case 0:
                        user.Delete();
                        break;
                    case < 4:
                        user.Update(name: RandomName(random));
                        break;
                    case < 7:
                        user.Update(email: RandomEmail(random));
                        break;
                    default:
                        user.Update(RandomName(random), RandomEmail(random));
                        break;
                }
            }

            Assert.That(user.UncommittedEvents, Is.Empty, context);
            Assert.That(user.Version.Value, Is.EqualTo(models.Count - 1), context);
            for (var version = 1; version < models.Count; version++)
            {
                var snapshotted = await withSnapshots.LoadAtVersionAsync(user.Id, version);
                var replayed = await withoutSnapshots.LoadAtVersionAsync(user.Id, version);
                Assert.That(snapshotted!.ToModel(), Is.EqualTo(models[version]), $"{context}, version {version} with snapshots");
                Assert.That(replayed!.ToModel(), Is.EqualTo(models[version]), $"{context}, version {version} without snapshots");
            }

            Assert.That((await withSnapshots.GetAsync(user.Id)).ToModel(), Is.EqualTo(models[^1]), context);
        }
    }

    private static string RandomName(Random random) =>
        random.Next(8) == 0 ? "" : new string(Enumerable.Range(0, random.Next(1, 12)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray())
            + (random.Next(6) == 0 ? " Łukasz 🍓 \"quoted\"" : "");

    private static string RandomEmail(Random random) => $"{RandomName(random)}@{random.Next(100)}.example.com";
}
