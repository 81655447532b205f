using System.Text.Json.Nodes;
using FraiseEvents.Upcasting;

namespace FraiseEvents.Conformance;

// The documented example: USER_CREATED v1 {name, email} became v2 {first_name, last_name, email},
// then v3 added a locale. An older name, USER_SIGNED_UP, was renamed to USER_CREATED at v2.

/// <summary>USER_CREATED as version 1 of the application wrote it.</summary>
public sealed record UserCreatedV1(string Name, string Email);

/// <summary>USER_CREATED as version 2 of the application wrote it.</summary>
public sealed record UserCreatedV2(string FirstName, string LastName, string Email);

/// <summary>USER_CREATED today (schema version 3).</summary>
public sealed record UserCreatedV3(string FirstName, string LastName, string Email, string Locale);

/// <summary>The oldest form, stored under another name before the rename.</summary>
public sealed record UserSignedUp(string FullName, string Mail);

public static class UpcastingSetup
{
    /// <summary>The application at version 1: USER_CREATED v1, and the old USER_SIGNED_UP name.</summary>
    public static void Version1(EventStoreOptions options)
    {
        options.Events.Register<UserCreatedV1>("USER_CREATED", schemaVersion: 1);
        options.Events.Register<UserSignedUp>("USER_SIGNED_UP", schemaVersion: 1);
    }

    /// <summary>The application at version 2.</summary>
    public static void Version2(EventStoreOptions options)
    {
        options.Events.Register<UserCreatedV2>("USER_CREATED", schemaVersion: 2);
        options.Upcasters.AddJson("USER_CREATED", 1, SplitName);
    }

    /// <summary>The application today: a JSON step, a typed step and a rename lead to v3.</summary>
    public static void Version3(EventStoreOptions options)
    {
        options.Events.Register<UserCreatedV3>("USER_CREATED", schemaVersion: 3);
        options.Upcasters
            .AddJson("USER_CREATED", 1, SplitName)
            .Add<UserCreatedV2, UserCreatedV3>("USER_CREATED", 2, v2 => new UserCreatedV3(v2.FirstName, v2.LastName, v2.Email, "en"))
            .AddJson("USER_SIGNED_UP", 1, RenameSignedUp, toEventType: "USER_CREATED");
    }

    public static UserCreatedV3 Expected(string name, string email)
    {
        var (first, last) = Split(name);
        return new UserCreatedV3(first, last, email, "en");
    }

    private static JsonObject SplitName(JsonObject v1)
    {
        var (first, last) = Split((string)v1["name"]!);
        return new JsonObject { ["first_name"] = first, ["last_name"] = last, ["email"] = (string?)v1["email"] };
    }

    private static JsonObject RenameSignedUp(JsonObject old)
    {
        var (first, last) = Split((string)old["full_name"]!);
        return new JsonObject { ["first_name"] = first, ["last_name"] = last, ["email"] = (string?)old["mail"] };
    }

    private static (string First, string Last) Split(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (name, "") : (name[..space], name[(space + 1)..]);
    }
}
