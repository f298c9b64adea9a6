using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Records;

namespace Shroud.Core.Events;

/// <summary>A sealed field of a reveal body: the bytes it spans (<c>[Start, End)</c>) and what replaces them.</summary>
public sealed record RevealedField(int Start, int End, RevealedValue Value);

/// <summary>
/// Seals the sensitive fields of chat events posted by channel webhooks, and reveals them at the outgoing edge.
/// A sealed field becomes <c>{ "$shroud": "&lt;ref&gt;", "redacted": "&lt;redaction text&gt;" }</c>, and each event gets
/// <c>sealedPaths</c>. Fields Shroud does not know pass through untouched.
/// </summary>
public sealed class ChatEvents(AppDirectory directory, ConversationConfigurations conversations, Vault vault)
{
    public const int MaxEvents = 100;
    public const int MaxValues = 1000;
    public const string ReferenceProperty = "$shroud";
    public const string RedactedProperty = "redacted";
    public const string SealedPathsProperty = "sealedPaths";

    /// <summary>Deepest nesting of objects and arrays a request body may have.</summary>
    public const int MaxDepth = 64;

    /// <summary>Seals one event (an object) or a batch (an array); all values are written with one storage request per partition.</summary>
    public async Task<JsonNode> SealAsync(string appId, JsonNode body, CancellationToken cancellationToken)
    {
        var events = Parse(body);
        var configurations = await conversations.ForAsync(appId, events.Select(e => e.ConversationId), cancellationToken);

        var targets = new List<(JsonNode Container, string Property, int Event, string Path)>();
        var items = new List<SealItem>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var configuration = configurations[e.ConversationId];
            foreach (var (container, property, path) in Targets(e, configuration))
            {
                var node = container[property]!;
                var isText = node is JsonValue v && v.GetValueKind() == JsonValueKind.String;
                targets.Add((container, property, i, path));
                items.Add(new SealItem(
                    e.Prefix + path,
                    isText ? node.GetValue<string>() : node.ToJsonString(),
                    configuration?.Ttl,
                    isText ? Vault.TextContentType : Vault.JsonContentType));
            }
        }

        if (items.Count > MaxValues)
        {
            throw new ShroudException(ShroudError.BatchTooLarge, $"One request may seal at most {MaxValues} values; this one has {items.Count}.");
        }

        var sealedValues = items.Count == 0 ? [] : await vault.SealAsync(appId, items, cancellationToken);
        for (var i = 0; i < targets.Count; i++)
        {
            var (container, property, _, _) = targets[i];
            container[property] = new JsonObject
            {
                [ReferenceProperty] = sealedValues[i].Reference,
                [RedactedProperty] = sealedValues[i].Redacted,
            };
        }

        for (var i = 0; i < events.Count; i++)
        {
            events[i].Node[SealedPathsProperty] = new JsonArray(targets.Where(t => t.Event == i).Select(t => (JsonNode)t.Path).ToArray());
        }

        return body;
    }

    /// <summary>
    /// Finds every sealed field of the events in <paramref name="body"/> (UTF-8 JSON, already checked to be well formed) and
    /// answers what replaces each: its plaintext when <paramref name="mayDecrypt"/>, else (and once a value has expired) the
    /// app's redaction text, which costs no storage request. The body is scanned in place, never turned into a tree, so a
    /// large body costs its own bytes and one entry per sealed field. Plaintext is revealed only after the audit record
    /// naming key <paramref name="keyId"/> is stored.
    /// </summary>
    public async Task<IReadOnlyList<RevealedField>> RevealAsync(string appId, ReadOnlyMemory<byte> body, bool mayDecrypt, string keyId, CancellationToken cancellationToken)
    {
        var sealedFields = FindSealed(body.Span);
        var app = await directory.GetAsync(appId, cancellationToken);
        var revealed = !mayDecrypt || sealedFields.Count == 0
            ? sealedFields.Select(_ => Vault.Redacted(app.Settings.RedactionText)).ToList()
            : await vault.RevealAsync(
                appId, sealedFields.Select(f => (f.Path, f.Reference)).ToList(), new AuditEntry(appId, AuditActions.EventsReveal, AuditOutcomes.Succeeded, keyId), cancellationToken);
        return sealedFields.Select((f, i) => new RevealedField(f.Start, f.End, revealed[i])).ToList();
    }

    private sealed record SealedField(string Path, string Reference, int Start, int End);

    private static List<SealedField> FindSealed(ReadOnlySpan<byte> body)
    {
        var found = new List<SealedField>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            CollectSealed(ref reader, "", found);
            return found;
        }

        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            if (i == MaxEvents)
            {
                throw new ShroudException(ShroudError.BatchTooLarge, $"A batch holds at most {MaxEvents} events; this one holds more.");
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                CollectSealed(ref reader, $"[{i}]", found);
            }
        }

        return found;
    }

    /// <summary>Collects the sealed fields below the container the reader is on, and leaves the reader on its end.</summary>
    private static void CollectSealed(ref Utf8JsonReader reader, string path, List<SealedField> found)
    {
        var inArray = reader.TokenType == JsonTokenType.StartArray;
        for (var index = 0; reader.Read() && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray); index++)
        {
            string? name = null;
            if (!inArray)
            {
                name = reader.GetString()!;
                reader.Read();
            }

            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                continue;
            }

            var childPath = name is null ? $"{path}[{index}]" : path.Length == 0 ? name : $"{path}.{name}";
            if (reader.TokenType == JsonTokenType.StartObject && SealedReference(reader) is { } reference)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                found.Add(new SealedField(childPath, reference, start, (int)reader.BytesConsumed));
                if (found.Count > MaxValues)
                {
                    throw new ShroudException(ShroudError.BatchTooLarge, $"One request may reveal at most {MaxValues} values; this one has more.");
                }
            }
            else
            {
                CollectSealed(ref reader, childPath, found);
            }
        }
    }

    /// <summary>The reference of the object the reader is on when it is a sealed field (<c>$shroud</c> holds a string); reads a copy of the reader.</summary>
    private static string? SealedReference(Utf8JsonReader probe)
    {
        string? reference = null;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            var isReference = probe.ValueTextEquals(ReferenceProperty);
            probe.Read();
            if (isReference && probe.TokenType == JsonTokenType.String)
            {
                reference = probe.GetString();
            }

            probe.Skip();
        }

        return reference;
    }

    /// <summary>The paths the rules seal in one event under a configuration (none: only flagged events are sealed).</summary>
    public static IReadOnlyList<string> SealedPaths(JsonObject chatEvent, EncryptionConfiguration? configuration) =>
        Targets(ParseEvent(chatEvent, ""), configuration).Select(t => t.Path).ToList();

    private static List<(JsonObject Container, string Property, string Path)> Targets(ParsedEvent e, EncryptionConfiguration? configuration)
    {
        var seal = SensitivityRules.Decide(e.Facts, configuration);
        var targets = new List<(JsonObject, string, string)>();
        void Add(JsonObject? container, string property, string path)
        {
            if (container?[property] is { } node && !IsSealed(node))
            {
                targets.Add((container, property, path));
            }
        }

        if (seal.Text)
        {
            Add(e.Node, "text", "text");
        }

        if (seal.Media)
        {
            Add(e.Node["media"] as JsonObject, "caption", "media.caption");
            Add(e.Node["media"] as JsonObject, "url", "media.url");
        }

        if (seal.Payload)
        {
            Add(e.Node, "payload", "payload");
        }

        if (e.Node["variables"] is JsonObject variables)
        {
            foreach (var (name, _) in variables)
            {
                if (SensitivityRules.SealsVariable(name, seal, configuration, e.RequestedVariables))
                {
                    Add(variables, name, $"variables.{name}");
                }
            }
        }

        return targets;
    }

    private static bool IsSealed(JsonNode? node) =>
        node is JsonObject o && o[ReferenceProperty] is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private sealed record ParsedEvent(JsonObject Node, string Prefix, string ConversationId, EventFacts Facts, IReadOnlyCollection<string> RequestedVariables);

    private static List<ParsedEvent> Parse(JsonNode body)
    {
        var nodes = body is JsonArray array ? array.ToList() : [body];
        if (nodes.Count == 0)
        {
            throw ShroudException.Invalid("events", "must hold at least one event.");
        }

        if (nodes.Count > MaxEvents)
        {
            throw new ShroudException(ShroudError.BatchTooLarge, $"A batch holds at most {MaxEvents} events; this one holds {nodes.Count}.");
        }

        return nodes.Select((node, i) => ParseEvent(node, body is JsonArray ? $"[{i}]." : "")).ToList();
    }

    private static ParsedEvent ParseEvent(JsonNode? node, string prefix)
    {
        if (node is not JsonObject e)
        {
            throw ShroudException.Invalid(prefix.Length == 0 ? "event" : prefix.TrimEnd('.'), "must be a JSON object.");
        }

        _ = RequiredString(e, "id", prefix);
        var conversationId = RequiredString(e, "conversationId", prefix);
        if (!ConversationEncryption.IsValidId(conversationId))
        {
            throw ShroudException.Invalid(prefix + "conversationId", $"must be 1 to {ConversationEncryption.MaxIdLength} characters without / \\ # ? or control characters.");
        }

        var type = OneOf(RequiredString(e, "type", prefix), SensitivityRules.EventTypes, prefix + "type");
        var user = e["user"] as JsonObject ?? throw ShroudException.Invalid(prefix + "user", "is required: an object with a type.");
        var userType = OneOf(RequiredString(user, "type", prefix + "user."), SensitivityRules.UserTypes, prefix + "user.type");
        var threadMode = OptionalString(e, "threadMode", prefix);
        var flagged = e["sensitive"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw ShroudException.Invalid(prefix + "sensitive", "must be true or false."),
        };
        SealableString(e, "text", prefix);
        if (e["variables"] is not (null or JsonObject))
        {
            throw ShroudException.Invalid(prefix + "variables", "must be an object of variable names to values.");
        }

        if (e["media"] is JsonObject media)
        {
            SealableString(media, "caption", prefix + "media.");
            SealableString(media, "url", prefix + "media.");
        }
        else if (e["media"] is not null)
        {
            throw ShroudException.Invalid(prefix + "media", "must be an object with caption and url.");
        }

        var requested = e["encryptVariables"] switch
        {
            null => [],
            JsonArray names when names.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String) => names.Select(n => n!.GetValue<string>()).ToHashSet(),
            _ => throw ShroudException.Invalid(prefix + "encryptVariables", "must be a list of variable names."),
        };

        return new ParsedEvent(e, prefix, conversationId, new EventFacts(type, userType, threadMode, flagged), requested);
    }

    /// <summary>A text field may be absent, a string, or already sealed by an earlier pass.</summary>
    private static void SealableString(JsonObject o, string name, string prefix)
    {
        if (!IsSealed(o[name]))
        {
            _ = OptionalString(o, name, prefix);
        }
    }

    private static string RequiredString(JsonObject o, string name, string prefix) =>
        OptionalString(o, name, prefix) ?? throw ShroudException.Invalid(prefix + name, "is required.");

    private static string? OptionalString(JsonObject o, string name, string prefix) => o[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw ShroudException.Invalid(prefix + name, "must be a string."),
    };

    private static string OneOf(string value, IReadOnlyList<string> allowed, string field) =>
        allowed.Contains(value) ? value : throw ShroudException.Invalid(field, $"must be one of: {string.Join(", ", allowed)}.");
}
