using NUnit.Framework;

namespace FraiseEvents.Conformance;

/// <summary>
/// Every row of the resend table in docs/concurrency-and-retries.md, on every store. The stream
/// holds 2 events, then the original append [a, b, c] at exactly 2 (versions 3-5), then a later
/// append [d] (version 6); each case resends some of a, b, c under one expected version.
/// </summary>
public abstract partial class EventStoreContract
{
    private static readonly string[] ResendExpectations = ["exactly 2", "exactly 3", "exactly 6", "no stream", "any", "stream exists"];

    // Outcome per expectation, in the order of ResendExpectations: R retry (reports version 5),
    // W wrong expected version, C idempotency conflict.
    private static readonly (string Resend, string Outcomes)[] ResendRows =
    [
        ("exact", "RWCWRR"),
        ("prefix", "RWCWRR"),
        ("suffix", "WRCWRR"),
        ("overlap plus new", "WWCWCC"),
        ("other content", "WWCWCC"),
        ("other order", "WWCWCC"),
    ];

    private static IEnumerable<TestCaseData> ResendCases() =>
        from row in ResendRows
        from i in Enumerable.Range(0, ResendExpectations.Length)
        select new TestCaseData(row.Resend, ResendExpectations[i], row.Outcomes[i])
            .SetArgDisplayNames(row.Resend, ResendExpectations[i]);

    [TestCaseSource(nameof(ResendCases))]
    public async Task Each_resend_case_has_the_documented_outcome(string resend, string expectation, char outcome)
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 2);
        var original = TestEvents.Batch(3);
        var firstResult = await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), original);
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(5), TestEvents.Batch(1));
        NewEvent[] events = resend switch
        {
            "exact" => original,
            "prefix" => original[..2],
            "suffix" => original[1..],
            "overlap plus new" => [original[2], new NewEvent(TestEvents.Created(9))],
            "other content" => [.. original.Select(e => new NewEvent(TestEvents.Created(7)) { EventId = e.EventId })],
            "other order" => [original[1], original[0]],
            _ => throw new ArgumentOutOfRangeException(nameof(resend)),
        };
        var expected = expectation switch
        {
            "exactly 2" => ExpectedVersion.Exactly(2),
            "exactly 3" => ExpectedVersion.Exactly(3),
            "exactly 6" => ExpectedVersion.Exactly(6),
            "no stream" => ExpectedVersion.NoStream,
            "any" => ExpectedVersion.Any,
            _ => ExpectedVersion.StreamExists,
        };

        switch (outcome)
        {
            case 'R':
                var retry = await store.AppendAsync(streamId, expected, events);
                Assert.That(retry.WasAlreadyAppended, Is.True);
                Assert.That(retry.NextExpectedVersion, Is.EqualTo(new StreamVersion(5)), "the stream's version after the original append");
                var offset = resend == "suffix" ? 1 : 0;
                Assert.That(retry.GlobalPositions, Is.EqualTo(firstResult.GlobalPositions.Skip(offset).Take(events.Length)));
                break;
            case 'W':
                var wrong = Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(streamId, expected, events));
                Assert.That(wrong!.ActualVersion, Is.EqualTo(new StreamVersion(6)));
                break;
            default:
                Assert.ThrowsAsync<IdempotencyConflictException>(() => store.AppendAsync(streamId, expected, events));
                break;
        }

        var stored = await ReadStream(store, streamId);
        Assert.That(stored, Has.Count.EqualTo(6), "a resend never writes");
    }

    [Test]
    public async Task A_retried_first_event_reports_a_version_the_next_append_can_expect()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var events = TestEvents.Batch(3);
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, events);

        var retry = await store.AppendAsync(streamId, ExpectedVersion.NoStream, events[..1]);
        var next = await store.AppendAsync(streamId, ExpectedVersion.Exactly(retry.NextExpectedVersion), TestEvents.Batch(1));

        Assert.That(retry.WasAlreadyAppended, Is.True);
        Assert.That(next.NextExpectedVersion, Is.EqualTo(new StreamVersion(4)));
    }
}
