using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    private static IEnumerable<TestCaseData> ExpectedVersionMatrix()
    {
        // (expectation, stream has 3 events?, succeeds?)
        yield return Case("any", false, true);
        yield return Case("no stream", false, true);
        yield return Case("stream exists", false, false);
        yield return Case("exactly 0", false, true);
        yield return Case("exactly 3", false, false);
        yield return Case("any", true, true);
        yield return Case("no stream", true, false);
        yield return Case("stream exists", true, true);
        yield return Case("exactly 0", true, false);
        yield return Case("exactly 2", true, false);
        yield return Case("exactly 3", true, true);
        yield return Case("exactly 4", true, false);

        static TestCaseData Case(string expectation, bool existing, bool succeeds) =>
            new TestCaseData(expectation, existing, succeeds)
                .SetArgDisplayNames(expectation, existing ? "3 events" : "absent", succeeds ? "ok" : "conflict");
    }

    private static ExpectedVersion ParseExpectation(string text) => text switch
    {
        "any" => ExpectedVersion.Any,
        "no stream" => ExpectedVersion.NoStream,
        "stream exists" => ExpectedVersion.StreamExists,
        _ => ExpectedVersion.Exactly(long.Parse(text["exactly ".Length..], System.Globalization.CultureInfo.InvariantCulture)),
    };

    [TestCaseSource(nameof(ExpectedVersionMatrix))]
    public async Task Expected_version_is_checked_before_anything_is_written(string expectation, bool existing, bool succeeds)
    {
        var store = await CreateStoreAsync();
        var streamId = existing ? await StreamWithEvents(store, 3) : StreamId.New();
        var before = existing ? 3 : 0;
        var expected = ParseExpectation(expectation);

        if (succeeds)
        {
            var result = await store.AppendAsync(streamId, expected, TestEvents.Batch(2));
            Assert.That(result.NextExpectedVersion.Value, Is.EqualTo(before + 2));
            Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(before + 2));
            return;
        }

        var conflict = Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(streamId, expected, TestEvents.Batch(2)));
        Assert.That(conflict!.StreamId, Is.EqualTo(streamId));
        Assert.That(conflict.ExpectedVersion, Is.EqualTo(expected));
        Assert.That(conflict.ActualVersion, Is.EqualTo(existing ? new StreamVersion(3) : (StreamVersion?)null));
        Assert.That(conflict.Message, Does.Contain(streamId.ToString()).And.Contain(expected.ToString()));
        Assert.That((await store.GetStreamStateAsync(streamId))?.Version.Value ?? 0, Is.EqualTo(before));
    }
}
