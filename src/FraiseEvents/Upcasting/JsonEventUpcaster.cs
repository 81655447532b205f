using System.Text.Json.Nodes;

namespace FraiseEvents.Upcasting;

/// <summary>An upcaster that edits the stored JSON: renames, splits, defaults.</summary>
public abstract class JsonEventUpcaster : EventUpcaster
{
    /// <summary>Returns the event's JSON at the next schema version. The argument may be changed and returned.</summary>
    public abstract JsonObject Upcast(JsonObject data);
}
