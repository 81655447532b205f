using System.Text;
using FraiseEvents.Serialization;
using NUnit.Framework;

namespace FraiseEvents.Tests.Serialization;

public sealed class EventSerializerTests
{
    [TestCase("""{"a":"\u0000"}""", true)]
    [TestCase("""{"a":"x\u0000"}""", true)]
    [TestCase("""{"a":"\\u0000"}""", false)]
    [TestCase("""{"a":"\\\u0000"}""", true)]
    [TestCase("""{"a":"\u00001"}""", true)]
    [TestCase("""{"a":"\u0001"}""", false)]
    [TestCase("""{"a":1}""", false)]
    public void An_escaped_NUL_is_found_but_an_escaped_backslash_before_u0000_is_not(string json, bool expected) =>
        Assert.That(EventSerializer.ContainsEscapedNul(Encoding.UTF8.GetBytes(json)), Is.EqualTo(expected));

    [Test]
    public void Event_data_uses_snake_case_names_as_the_documented_SQL_expects()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserEmailChanged>();
        var serializer = new EventSerializer(options);

        var serialized = serializer.SerializeAppend(StreamId.New(), [new NewEvent(new UserEmailChanged(Guid.Empty, "a@b.c"))], null);

        Assert.That(Encoding.UTF8.GetString(serialized[0].Data), Is.EqualTo("""{"user_id":"00000000-0000-0000-0000-000000000000","new_email":"a@b.c"}"""));
        Assert.That(serialized[0].EventType, Is.EqualTo("USER_EMAIL_CHANGED"));
        Assert.That(serialized[0].Metadata, Is.Null);
    }

    [Test]
    public void Options_are_validated_naming_the_setting()
    {
        var options = new EventStoreOptions { MaxEventSizeBytes = 10, MaxAppendSizeBytes = 5 };

        var error = Assert.Throws<ArgumentException>(() => new EventSerializer(options));

        Assert.That(error!.Message, Does.Contain("MaxAppendSizeBytes"));
    }

    private sealed record UserEmailChanged(Guid UserId, string NewEmail);
}
