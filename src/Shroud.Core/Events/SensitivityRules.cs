using Shroud.Core.Configurations;

namespace Shroud.Core.Events;

/// <summary>What a chat event is, as far as deciding its sensitivity goes.</summary>
public sealed record EventFacts(string Type, string UserType, string? ThreadMode, bool FlaggedSensitive);

/// <summary>Which parts of one event are sealed; variables also by name (see <see cref="SensitivityRules.SealsVariable"/>).</summary>
public sealed record EventSeal(bool Text, bool Media, bool Payload, bool AllVariables)
{
    public static readonly EventSeal Nothing = new(false, false, false, false);

    public static readonly EventSeal Everything = new(true, true, true, true);
}

/// <summary>
/// The rules of what is sensitive in a chat event. Without a configuration only events flagged <c>sensitive</c> are
/// sealed. With one: transport entries (http, ws) when transport encryption is on; with transcript encryption on,
/// events whose thread mode is not <c>bot</c> and every event by an agent or system user; media events when media
/// encryption is on; messages by users, bots or agents when that kind is on. A sensitive event has its text, media
/// caption and url and all its variables sealed; its payload is sealed whole when it is sensitive transport or
/// flagged (as component and trigger responses are). Named sensitive variables are sealed in any event.
/// </summary>
public static class SensitivityRules
{
    public static readonly IReadOnlyList<string> EventTypes = ["message", "media", "variable", "http", "ws", "component_response", "trigger_response", "lifecycle"];
    public static readonly IReadOnlyList<string> UserTypes = ["user", "bot", "agent", "system"];

    /// <summary>
    /// Stands in for a configuration that a conversation still names but that is gone: every event is sealed whole,
    /// so a missing rule never leaves a value in the clear.
    /// </summary>
    public static readonly EncryptionConfiguration Strictest = new("", "strictest", true, true, true, true, true, true, [], null);

    public static EventSeal Decide(EventFacts e, EncryptionConfiguration? configuration)
    {
        if (configuration is null)
        {
            return e.FlaggedSensitive ? EventSeal.Everything : EventSeal.Nothing;
        }

        if (ReferenceEquals(configuration, Strictest))
        {
            return EventSeal.Everything;
        }

        var transport = e.Type is "http" or "ws" && configuration.Transport;
        var transcript = configuration.Transcript && (e.ThreadMode != "bot" || e.UserType is "agent" or "system");
        var media = e.Type == "media" && configuration.EncryptMedia;
        var message = e.Type == "message" && e.UserType switch
        {
            "user" => configuration.EncryptUserMessages,
            "bot" => configuration.EncryptBotMessages,
            "agent" => configuration.EncryptAgentMessages,
            _ => false,
        };
        var sensitive = e.FlaggedSensitive || transport || transcript || media || message;
        return new EventSeal(sensitive, sensitive, e.FlaggedSensitive || transport, sensitive);
    }

    /// <summary>Whether one variable is sealed: the event is sensitive, the configuration names it, or the request asks for it.</summary>
    public static bool SealsVariable(string name, EventSeal seal, EncryptionConfiguration? configuration, IReadOnlyCollection<string> requested) =>
        seal.AllVariables || requested.Contains(name) || (configuration?.SensitiveVariables.Contains(name) ?? false);
}
