using System.Text;
using System.Text.Json.Nodes;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// A form-encoded body (Twilio, Slack commands) as the JSON object Shroud forwards: each parameter a string property;
/// a parameter sent more than once becomes an array of its values, in order.
/// </summary>
public static class FormPayload
{
    public static JsonObject Parse(ReadOnlySpan<byte> body)
    {
        var result = new JsonObject();
        foreach (var (name, value) in Pairs(body))
        {
            switch (result[name])
            {
                case null when !result.ContainsKey(name):
                    result[name] = value;
                    break;
                case JsonArray values:
                    values.Add(value);
                    break;
                case var first:
                    result[name] = new JsonArray(first?.DeepClone(), value);
                    break;
            }
        }

        return result;
    }

    public static bool IsForm(string? contentType) =>
        contentType is not null
        && contentType.Split(';')[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body's parameters in order, names and values decoded (<c>+</c> is a space, then percent escapes).</summary>
    public static IEnumerable<(string Name, string Value)> Pairs(ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.IndexOf('=') is var equals and >= 0
            ? (Decode(pair[..equals]), Decode(pair[(equals + 1)..]))
            : (Decode(pair), ""));

    private static string Decode(string component) => Uri.UnescapeDataString(component.Replace('+', ' '));
}
