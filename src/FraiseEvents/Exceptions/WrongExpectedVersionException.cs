namespace FraiseEvents;

/// <summary>The stream was not in the state the writer expected; nothing was written.</summary>
public sealed class WrongExpectedVersionException : ConcurrencyException
{
    /// <summary>Creates the exception.</summary>
    public WrongExpectedVersionException(StreamId streamId, ExpectedVersion expectedVersion, StreamVersion? actualVersion,
        Exception? innerException = null)
        : base(streamId, Describe(streamId, expectedVersion, actualVersion), innerException)
    {
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>What the writer expected.</summary>
    public ExpectedVersion ExpectedVersion { get; }

    /// <summary>The stream's actual version; null when the stream does not exist (or is unknown).</summary>
    public StreamVersion? ActualVersion { get; }

    private static string Describe(StreamId streamId, ExpectedVersion expected, StreamVersion? actual) =>
        $"Append to stream {streamId} expected {expected} but the stream is at "
        + (actual is { } version ? $"version {version}" : "no stream")
        + ". Another writer changed it first; nothing was written. Reload the stream and retry the command against its current version.";
}
