using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Azure;

namespace Shroud.Storage;

/// <summary>Entity JSON: writes OData-annotated payloads, reads minimal-metadata (or no-metadata) responses.</summary>
internal static class EntityJson
{
    public static byte[] Write(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("PartitionKey", entity.PartitionKey);
            writer.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity)
            {
                WriteProperty(writer, name, value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] WriteTableName(string tableName)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", tableName);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static TableEntity Read(JsonElement json)
    {
        var entity = new TableEntity(
            json.TryGetProperty("PartitionKey", out var pk) ? pk.GetString() ?? "" : "",
            json.TryGetProperty("RowKey", out var rk) ? rk.GetString() ?? "" : "");
        foreach (var property in json.EnumerateObject())
        {
            switch (property.Name)
            {
                case "odata.etag":
                    entity.ETag = property.Value.GetString() is { } etag ? new ETag(etag) : default;
                    break;
                case "Timestamp":
                    entity.Timestamp = ReadDateTime(property.Value.GetString());
                    break;
                case var name when !TableEntity.IsReserved(name):
                    var type = json.TryGetProperty(name + "@odata.type", out var annotation) ? annotation.GetString() : null;
                    entity[name] = ReadValue(property.Value, type);
                    break;
            }
        }

        return entity;
    }

    private static void WriteProperty(Utf8JsonWriter writer, string name, object? value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case long l:
                writer.WriteString(name + "@odata.type", "Edm.Int64");
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString(name + "@odata.type", "Edm.Double");
                if (double.IsFinite(d))
                {
                    writer.WriteNumber(name, d);
                }
                else
                {
                    writer.WriteString(name, d.ToString(CultureInfo.InvariantCulture)); // "NaN", "Infinity", "-Infinity"
                }

                break;
            case DateTimeOffset t:
                writer.WriteString(name + "@odata.type", "Edm.DateTime");
                writer.WriteString(name, t.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteString(name + "@odata.type", "Edm.Guid");
                writer.WriteString(name, g.ToString("D"));
                break;
            case byte[] bytes:
                writer.WriteString(name + "@odata.type", "Edm.Binary");
                writer.WriteBase64String(name, bytes);
                break;
        }
    }

    private static object? ReadValue(JsonElement value, string? type)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number when type == "Edm.Int64" && value.TryGetInt64(out var int64):
                return int64;
            case JsonValueKind.Number when type != "Edm.Double" && value.TryGetInt32(out var int32):
                return int32;
            case JsonValueKind.Number:
                return value.GetDouble();
            case JsonValueKind.String:
                var s = value.GetString()!;
                return type switch
                {
                    "Edm.Int64" when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
                    "Edm.Double" when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                    "Edm.DateTime" when ReadDateTime(s) is { } t => t,
                    "Edm.Guid" when Guid.TryParse(s, out var g) => g,
                    "Edm.Binary" when value.TryGetBytesFromBase64(out var b) => b,
                    _ => s,
                };
            default:
                return null;
        }
    }

    private static DateTimeOffset? ReadDateTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;
}
