using System.Text;
using FraiseEvents.Serialization;
using NUnit.Framework;

namespace FraiseEvents.Tests.Serialization;

public sealed class MetadataJsonTests
{
    [Test]
    public void Metadata_round_trips_through_its_json_form()
    {
        var by = Guid.NewGuid();
        var metadata = new EventMetadata
        {
            CorrelationId = "c",
            CausationId = "d",
            CreatedBy = by,
            Headers = new Dictionary<string, string> { ["tenant"] = "acme", ["quote\""] = "line\nbreak" },
        };

        var json = MetadataJson.Write(metadata)!;
        var read = MetadataJson.Read(json, by);

        Assert.That(read, Is.EqualTo(metadata));
        Assert.That(Encoding.UTF8.GetString(json), Does.Contain("\"correlation_id\":\"c\""));
    }

    [Test]
    public void Empty_metadata_writes_nothing_and_reads_back_as_the_shared_empty_instance()
    {
        Assert.That(MetadataJson.Write(null), Is.Null);
        Assert.That(MetadataJson.Write(new EventMetadata { CreatedBy = Guid.NewGuid() }), Is.Null, "created_by has its own column");
        Assert.That(MetadataJson.Read("{}"u8, createdBy: null), Is.SameAs(EventMetadata.Empty));
    }

    [Test]
    public void Properties_written_by_other_clients_are_ignored()
    {
        var json = """{"trace":{"id":[1,2]},"correlation_id":"x","headers":{"a":"b","n":5},"extra":null}"""u8;

        var read = MetadataJson.Read(json, createdBy: null);

        Assert.That(read.CorrelationId, Is.EqualTo("x"));
        Assert.That(read.Headers, Is.EqualTo(new Dictionary<string, string> { ["a"] = "b" }));
    }
}
