using System.Text.Json.Nodes;
using Shroud.Core.Configurations;
using Shroud.Core.Events;

namespace Shroud.UnitTests.Events;

public sealed class SensitivityRulesTests
{
    // null: an event without a threadMode field.
    private static readonly string?[] ThreadModes = ["bot", "agent", "prechat", null];
    private static readonly string[] AllContent = ["text", "media.caption", "media.url", "payload", "variables.email", "variables.plan"];
    private static readonly string[] MessageContent = ["text", "media.caption", "media.url", "variables.email", "variables.plan"];

    [Flags]
    private enum Flags
    {
        None = 0,
        UserMessages = 1,
        BotMessages = 2,
        AgentMessages = 4,
        Transport = 8,
        Transcript = 16,
        Media = 32,
        All = 63,
    }

    /// <summary>An event carrying every field the rules can seal: text, media, payload and two variables.</summary>
    private static JsonObject Event(string type, string userType, string? threadMode, bool flagged)
    {
        var chatEvent = new JsonObject
        {
            ["id"] = "e1",
            ["conversationId"] = "c1",
            ["type"] = type,
            ["user"] = new JsonObject { ["type"] = userType },
            ["sensitive"] = flagged,
            ["text"] = "hello",
            ["media"] = new JsonObject { ["caption"] = "id card", ["url"] = "https://cdn.example/1.png" },
            ["payload"] = new JsonObject { ["card"] = "4111" },
            ["variables"] = new JsonObject { ["email"] = "jane@example.com", ["plan"] = "gold" },
        };
        if (threadMode is not null)
        {
            chatEvent["threadMode"] = threadMode;
        }

        return chatEvent;
    }

    private static EncryptionConfiguration Configuration(Flags flags, params string[] sensitiveVariables) => new(
        "0123456789abcdef", "test",
        flags.HasFlag(Flags.UserMessages), flags.HasFlag(Flags.BotMessages), flags.HasFlag(Flags.AgentMessages),
        flags.HasFlag(Flags.Transport), flags.HasFlag(Flags.Transcript), flags.HasFlag(Flags.Media),
        sensitiveVariables, null);

    // The README's "Chat events" table written out as a truth table, case by case, without the code's predicates.
    // Switches that seal an event of a type by a user: U, B, A = encrypt user / bot / agent messages, M = media,
    // P = transport (which seals the payload too). Transcript (T) is the table below.
    private static readonly Dictionary<string, string> SwitchesByTypeAndUser = new()
    {
        ["message/user"] = "U", ["message/bot"] = "B", ["message/agent"] = "A", ["message/system"] = "",
        ["media/user"] = "M", ["media/bot"] = "M", ["media/agent"] = "M", ["media/system"] = "M",
        ["http/user"] = "P", ["http/bot"] = "P", ["http/agent"] = "P", ["http/system"] = "P",
        ["ws/user"] = "P", ["ws/bot"] = "P", ["ws/agent"] = "P", ["ws/system"] = "P",
        ["variable/user"] = "", ["variable/bot"] = "", ["variable/agent"] = "", ["variable/system"] = "",
        ["component_response/user"] = "", ["component_response/bot"] = "", ["component_response/agent"] = "", ["component_response/system"] = "",
        ["trigger_response/user"] = "", ["trigger_response/bot"] = "", ["trigger_response/agent"] = "", ["trigger_response/system"] = "",
        ["lifecycle/user"] = "", ["lifecycle/bot"] = "", ["lifecycle/agent"] = "", ["lifecycle/system"] = "",
    };

    // Whether transcript encryption seals an event, by user (rows) and thread mode (columns; "-" = no threadMode field):
    // outside bot threads always, and agent or system events in bot threads too.
    private static readonly string[] TranscriptTable =
    [
        "         bot  agent  prechat  -  ",
        "user     no   yes    yes      yes",
        "bot      no   yes    yes      yes",
        "agent    yes  yes    yes      yes",
        "system   yes  yes    yes      yes",
    ];

    private static bool TranscriptSeals(string userType, string? threadMode)
    {
        var columns = TranscriptTable[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var row = TranscriptTable.Skip(1).Single(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == userType).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return row[1 + columns.IndexOf(threadMode ?? "-")] == "yes";
    }

    private static readonly Dictionary<char, Flags> Switches = new()
    {
        ['U'] = Flags.UserMessages, ['B'] = Flags.BotMessages, ['A'] = Flags.AgentMessages,
        ['P'] = Flags.Transport, ['T'] = Flags.Transcript, ['M'] = Flags.Media,
    };

    private static string[] Expected(string type, string userType, string? threadMode, bool flagged, Flags? flags)
    {
        if (flags is not { } on)
        {
            return flagged ? AllContent : [];
        }

        var sealing = SwitchesByTypeAndUser[$"{type}/{userType}"] + (TranscriptSeals(userType, threadMode) ? "T" : "");
        var sealingOn = sealing.Where(s => (on & Switches[s]) != 0).ToList();
        return flagged || sealingOn.Contains('P') ? AllContent
            : sealingOn.Count > 0 ? MessageContent
            : [];
    }

    [Fact]
    public void Every_user_type_thread_mode_event_type_and_configuration_flag_seals_the_expected_paths()
    {
        var mismatches = new List<string>();
        var cases = 0;
        foreach (var type in SensitivityRules.EventTypes)
        foreach (var userType in SensitivityRules.UserTypes)
        foreach (var threadMode in ThreadModes)
        foreach (var flagged in new[] { false, true })
        foreach (var flags in Enumerable.Range(0, (int)Flags.All + 1).Select(f => (Flags?)f).Append(null))
        {
            cases++;
            var actual = ChatEvents.SealedPaths(Event(type, userType, threadMode, flagged), flags is { } f ? Configuration(f) : null);
            var expected = Expected(type, userType, threadMode, flagged, flags);
            if (!actual.SequenceEqual(expected))
            {
                mismatches.Add($"{type}/{userType}/{threadMode ?? "no threadMode"}/flagged={flagged}/{flags?.ToString() ?? "no configuration"}: [{string.Join(", ", actual)}] instead of [{string.Join(", ", expected)}]");
            }
        }

        Assert.Equal(8 * 4 * 4 * 2 * 65, cases);
        Assert.Empty(mismatches);
    }

    public static TheoryData<string, string, string?, bool, int, string[]> Examples() => new()
    {
        // Transport entries are sealed whole when transport encryption is on, and left alone when it is off.
        { "http", "system", "bot", false, (int)Flags.Transport, AllContent },
        { "ws", "bot", "bot", false, (int)(Flags.All & ~Flags.Transport & ~Flags.Transcript), [] },
        // Transcript encryption: any event outside bot threads, and every agent or system event.
        { "message", "user", "agent", false, (int)Flags.Transcript, MessageContent },
        { "message", "user", "bot", false, (int)Flags.Transcript, [] },
        { "lifecycle", "system", "bot", false, (int)Flags.Transcript, MessageContent },
        { "message", "agent", "bot", false, (int)Flags.Transcript, MessageContent },
        // An event that names no thread mode is not known to be in a bot thread: transcript encryption seals it.
        { "message", "user", null, false, (int)Flags.Transcript, MessageContent },
        { "variable", "bot", null, false, (int)Flags.Transcript, MessageContent },
        { "message", "user", null, false, (int)Flags.BotMessages, [] },
        // Messages by kind of sender.
        { "message", "user", "bot", false, (int)Flags.UserMessages, MessageContent },
        { "message", "bot", "bot", false, (int)Flags.UserMessages, [] },
        { "message", "agent", "bot", false, (int)Flags.AgentMessages, MessageContent },
        // Media events when media encryption is on.
        { "media", "user", "bot", false, (int)Flags.Media, MessageContent },
        { "media", "user", "bot", false, (int)Flags.UserMessages, [] },
        // Component and trigger responses only when flagged, and then with their payload.
        { "component_response", "bot", "bot", true, (int)Flags.None, AllContent },
        { "trigger_response", "bot", "bot", false, (int)(Flags.All & ~Flags.Transcript), [] },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Rules_by_example(string type, string userType, string? threadMode, bool flagged, int flags, string[] expected)
    {
        Assert.Equal(expected, ChatEvents.SealedPaths(Event(type, userType, threadMode, flagged), Configuration((Flags)flags)));
    }

    [Fact]
    public void Without_a_configuration_only_flagged_events_are_sealed()
    {
        Assert.Empty(ChatEvents.SealedPaths(Event("message", "agent", "agent", flagged: false), null));
        Assert.Equal(AllContent, ChatEvents.SealedPaths(Event("message", "user", "bot", flagged: true), null));
    }

    [Fact]
    public void Named_and_requested_variables_are_sealed_in_events_that_are_otherwise_not_sensitive()
    {
        var chatEvent = Event("variable", "bot", "bot", flagged: false);

        Assert.Equal(["variables.email"], ChatEvents.SealedPaths(chatEvent, Configuration(Flags.None, "email")));

        chatEvent["encryptVariables"] = new JsonArray("plan");
        Assert.Equal(["variables.plan"], ChatEvents.SealedPaths(chatEvent, null));
        Assert.Equal(["variables.email", "variables.plan"], ChatEvents.SealedPaths(chatEvent, Configuration(Flags.None, "email")));
    }

    [Fact]
    public void Fields_already_sealed_are_left_as_they_are()
    {
        var chatEvent = Event("message", "user", "bot", flagged: true);
        chatEvent["text"] = new JsonObject { ["$shroud"] = "shr1.abc", ["redacted"] = "★★★★★" };

        Assert.DoesNotContain("text", ChatEvents.SealedPaths(chatEvent, null));
    }
}
