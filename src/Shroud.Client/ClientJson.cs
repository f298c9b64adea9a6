using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;

namespace Shroud.Client;

/// <summary>The service's JSON conventions: camelCase names, nulls left out; fields the client does not know are skipped, so a newer service still reads.</summary>
internal static class ClientJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new IsoDurationConverter() },
    };
}

/// <summary>TTLs travel as ISO-8601 durations of fixed length (PT1H, P1DT2H).</summary>
internal sealed class IsoDurationConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        XmlConvert.ToTimeSpan(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(XmlConvert.ToString(value));
}
