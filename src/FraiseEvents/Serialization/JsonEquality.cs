using System.Text.Json;

namespace FraiseEvents.Serialization;

/// <summary>
/// Compares two JSON documents by value, as jsonb equality does: object property order and
/// insignificant white space do not matter.
/// </summary>
internal static class JsonEquality
{
    public static bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.SequenceEqual(right))
        {
            return true;
        }

        using var a = JsonDocument.Parse(left.ToArray());
        using var b = JsonDocument.Parse(right.ToArray());
        return JsonElement.DeepEquals(a.RootElement, b.RootElement);
    }
}
