using System.Collections.Frozen;
using System.Text.Json;

namespace FraiseEvents.Serialization;

/// <summary>
/// Reads and writes the <c>metadata</c> column: <c>{"correlation_id": …, "causation_id": …, "headers": {…}}</c>.
/// Written by hand with <see cref="Utf8JsonWriter"/>: it is on every append and every read.
/// </summary>
internal static class MetadataJson
{
    private static ReadOnlySpan<byte> CorrelationId => "correlation_id"u8;
    private static ReadOnlySpan<byte> CausationId => "causation_id"u8;
    private static ReadOnlySpan<byte> Headers => "headers"u8;

    /// <summary>The JSON for <paramref name="metadata"/>, or null when nothing is set (the column defaults to <c>{}</c>).</summary>
    public static byte[]? Write(EventMetadata? metadata)
    {
        if (metadata is null || (metadata.CorrelationId is null && metadata.CausationId is null && metadata.Headers.Count == 0))
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata.CorrelationId is not null)
            {
                writer.WriteString(CorrelationId, metadata.CorrelationId);
            }

            if (metadata.CausationId is not null)
            {
                writer.WriteString(CausationId, metadata.CausationId);
            }

            if (metadata.Headers.Count > 0)
            {
                writer.WriteStartObject(Headers);
                foreach (var (key, value) in metadata.Headers)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The first header whose value is null, or null. Such a value would be written as JSON null
    /// and dropped on read, so it is refused on append rather than lost.
    /// </summary>
    public static string? FindNullHeader(EventMetadata metadata)
    {
        foreach (var (key, value) in metadata.Headers)
        {
            if (value is null)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Parses the column; unknown properties (written by other clients) are ignored.</summary>
    public static EventMetadata Read(ReadOnlySpan<byte> json, Guid? createdBy)
    {
        if (json.Length <= 2 && createdBy is null)
        {
            return EventMetadata.Empty;
        }

        string? correlationId = null;
        string? causationId = null;
        Dictionary<string, string>? headers = null;
        var reader = new Utf8JsonReader(json);
        if (json.Length > 2)
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(CorrelationId))
                {
                    reader.Read();
                    correlationId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals(CausationId))
                {
                    reader.Read();
                    causationId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals(Headers))
                {
                    reader.Read();
                    headers = ReadHeaders(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return new EventMetadata
        {
            CorrelationId = correlationId,
            CausationId = causationId,
            CreatedBy = createdBy,
            Headers = headers is null ? EventMetadata.Empty.Headers : headers.ToFrozenDictionary(StringComparer.Ordinal),
        };
    }

    private static Dictionary<string, string>? ReadHeaders(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!; // a property name is never null
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                headers[key] = reader.GetString()!; // a string token is never null
            }
            else
            {
                reader.Skip();
            }
        }

        return headers;
    }
}
