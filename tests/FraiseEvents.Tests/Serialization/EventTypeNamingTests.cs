using FraiseEvents.Serialization;
using NUnit.Framework;

namespace FraiseEvents.Tests.Serialization;

public sealed class EventTypeNamingTests
{
    [TestCase(typeof(UserCreated), "USER_CREATED")]
    [TestCase(typeof(HTTPRequestSent), "HTTP_REQUEST_SENT")]
    [TestCase(typeof(User2FAEnabled), "USER2_FA_ENABLED")]
    [TestCase(typeof(Renamed), "RENAMED")]
    [TestCase(typeof(Wrapped<int>), "WRAPPED")]
    public void The_default_name_is_upper_snake_case_of_the_type_name(Type type, string expected) =>
        Assert.That(EventTypeNaming.DefaultNameFor(type), Is.EqualTo(expected));

    private sealed record UserCreated;

    private sealed record HTTPRequestSent;

    private sealed record User2FAEnabled;

    private sealed record Renamed;

    private sealed record Wrapped<T>;
}
