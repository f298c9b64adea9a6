using System.Text.Json.Nodes;

namespace Shroud.Api;

/// <summary>JSON merge patch (RFC 7396). System.Text.Json has no implementation of it; this is the RFC's algorithm.</summary>
public static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> in place.</summary>
    public static void Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject inner && target[name] is JsonObject existing)
            {
                Apply(existing, inner);
            }
            else if (value is JsonObject replacement)
            {
                var created = new JsonObject();
                Apply(created, replacement);
                target[name] = created;
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
