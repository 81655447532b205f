using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FraiseEvents.Serialization;

namespace FraiseEvents.Benchmarks.Micro;

/// <summary>
/// What upcasting adds to reading one event: a current-version event (no upcaster), a typed step
/// (read once as the old class, converted), and a JSON step followed by a typed step.
/// </summary>
[MemoryDiagnoser]
public class UpcastingBenchmarks
{
    private EventSerializer _serializer = null!; // set in GlobalSetup
    private StoredEvent _current;
    private StoredEvent _typedStep;
    private StoredEvent _jsonThenTyped;

    [GlobalSetup]
    public void SetUp()
    {
        var options = new EventStoreOptions();
        options.Events.Register<ProfileCreated>("PROFILE_CREATED", schemaVersion: 3);
        options.Upcasters
            .AddJson("PROFILE_CREATED", 1, v1 =>
            {
                var parts = ((string)v1["name"]!).Split(' ', 2);
                return new JsonObject { ["first_name"] = parts[0], ["last_name"] = parts[1], ["email"] = (string?)v1["email"] };
            })
            .Add<ProfileCreatedV2, ProfileCreated>("PROFILE_CREATED", 2, v2 => new ProfileCreated(v2.FirstName, v2.LastName, v2.Email, "en"));
        _serializer = new EventSerializer(options);
        _current = Stored(3, """{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","locale":"en"}""");
        _typedStep = Stored(2, """{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}""");
        _jsonThenTyped = Stored(1, """{"name":"Ada Lovelace","email":"ada@example.com"}""");
    }

    [Benchmark(Baseline = true)]
    public object Current_version_no_upcaster() => _serializer.Deserialize(_current)!.Data; // registered type: never null

    [Benchmark]
    public object Typed_step_v2_to_v3() => _serializer.Deserialize(_typedStep)!.Data; // an upcaster chain exists: never null

    [Benchmark]
    public object Json_step_then_typed_step_v1_to_v3() => _serializer.Deserialize(_jsonThenTyped)!.Data; // as above

    private static StoredEvent Stored(int schemaVersion, string json) => new(Guid.CreateVersion7(), StreamId.New(), 1, 1, 1,
        "PROFILE_CREATED", schemaVersion, System.Text.Encoding.UTF8.GetBytes(json), "{}"u8.ToArray(), null, DateTimeOffset.UnixEpoch);

    public sealed record ProfileCreated(string FirstName, string LastName, string Email, string Locale);

    public sealed record ProfileCreatedV2(string FirstName, string LastName, string Email);
}
