using BenchmarkDotNet.Attributes;
using FraiseEvents.Serialization;
using Marten;

namespace FraiseEvents.Benchmarks.Micro;

/// <summary>Turning one event into JSON and back: FraiseEvents' serializer against Marten's.</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private readonly EventSerializer _fraise = new(Subjects.FraiseSubject.Options());
    private readonly NewEvent[] _one = [new(UserEvents.For(Guid.CreateVersion7(), 1, 3))];
    private ISerializer _marten = null!; // set in GlobalSetup
    private StoredEvent _stored;
    private string _martenJson = null!;

    [GlobalSetup]
    public void SetUp()
    {
        using var store = DocumentStore.For(o =>
        {
            o.Connection("Host=unused");
            o.UseSystemTextJsonForSerialization();
        });
        _marten = store.Options.Serializer();
        var serialized = _fraise.SerializeAppend(StreamId.New(), _one, null)[0];
        _stored = new StoredEvent(serialized.EventId, StreamId.New(), 1, 1, 1, serialized.EventType, 1, serialized.Data, "{}"u8.ToArray(), null,
            DateTimeOffset.UnixEpoch);
        _martenJson = _marten.ToJson(_one[0].Data);
    }

    [Benchmark(Baseline = true)]
    public object FraiseEvents_serialize_one_event() => _fraise.SerializeAppend(new StreamId(Guid.CreateVersion7()), _one, null);

    [Benchmark]
    public object Marten_serialize_one_event() => _marten.ToJson(_one[0].Data);

    [Benchmark]
    public object FraiseEvents_deserialize_one_event() => _fraise.Deserialize(_stored)!; // registered type: never skipped

    [Benchmark]
    public object Marten_deserialize_one_event()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(_martenJson));
        return _marten.FromJson(typeof(UserUpdated), stream);
    }
}
