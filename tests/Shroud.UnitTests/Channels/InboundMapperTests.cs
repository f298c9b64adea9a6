using System.Text.Json.Nodes;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Inbound;

namespace Shroud.UnitTests.Channels;

/// <summary>Each channel's mapper on payloads shaped as the channel documents them: messages, authors, conversations, keys, fields.</summary>
public sealed class InboundMapperTests
{
    private static InboundPayload Map(ChannelKind kind, string json) => InboundMappers.All[kind].Map(JsonNode.Parse(json)!.AsObject());

    private static IEnumerable<string> Paths(InboundPayload payload, InboundFieldKind? kind = null) =>
        payload.Messages.SelectMany(m => m.Fields).Where(f => kind is null || f.Kind == kind).Select(f => f.Path);

    /// <summary>The fields naming a file the delivery consumer downloads when media is encrypted.</summary>
    private static IEnumerable<string> Files(InboundPayload payload) =>
        payload.Messages.SelectMany(m => m.Fields).Where(f => f.IsFile).Select(f => f.Path);

    [Fact]
    public void Slack_event_maps_text_blocks_and_file_fields_keyed_by_event_id()
    {
        var payload = Map(ChannelKind.Slack, """
            {"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"message","channel":"C2147483705","user":"U2147483697","text":"Hello",
             "blocks":[{"type":"rich_text"}],"files":[{"id":"F1","name":"a.pdf","title":"A","url_private":"https://f/1","permalink":"https://p/1","mimetype":"application/pdf"}]}}
            """);

        Assert.Equal("Ev08MFMKH6", payload.IdempotencyKey);
        var message = Assert.Single(payload.Messages);
        Assert.Equal("C2147483705", message.ConversationId);
        Assert.Equal("user", message.Author);
        Assert.Equal(["event.text", "event.blocks"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["event.files[0].url_private", "event.files[0].permalink", "event.files[0].name", "event.files[0].title"], Paths(payload, InboundFieldKind.Media));
        Assert.Equal(["event.files[0].url_private"], Files(payload));
    }

    [Fact]
    public void Slack_bot_messages_and_edits_are_found()
    {
        var payload = Map(ChannelKind.Slack, """
            {"event_id":"Ev2","event":{"type":"message","subtype":"message_changed","channel":"C1","bot_id":"B1",
             "message":{"text":"new"},"previous_message":{"text":"old"}}}
            """);

        Assert.Equal("bot", Assert.Single(payload.Messages).Author);
        Assert.Equal(["event.message.text", "event.previous_message.text"], Paths(payload));
    }

    [Fact]
    public void WhatsApp_maps_every_message_contact_and_status_of_every_change()
    {
        var payload = Map(ChannelKind.WhatsApp, """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
              "contacts":[{"profile":{"name":"Jane"},"wa_id":"16315551181"}],
              "messages":[
                {"from":"16315551181","id":"wamid.A","type":"text","text":{"body":"hi"}},
                {"from":"16315551181","id":"wamid.B","type":"image","image":{"id":"img-1","caption":"me","mime_type":"image/jpeg","sha256":"x"}},
                {"from":"16315551181","id":"wamid.C","type":"location","location":{"latitude":1.5,"longitude":2.5,"name":"Home"}}],
              "statuses":[{"id":"wamid.S","status":"read","recipient_id":"16315551181"}]}}]}]}
            """);

        Assert.Equal("m:wamid.A,m:wamid.B,m:wamid.C,s:wamid.S:read", payload.IdempotencyKey);
        Assert.All(payload.Messages, m => Assert.Equal("16315551181", m.ConversationId));
        Assert.Equal(["user", "user", "user", "user", "bot"], payload.Messages.Select(m => m.Author));
        var root = "entry[0].changes[0].value";
        Assert.Equal(
            [$"{root}.contacts[0].profile.name", $"{root}.contacts[0].wa_id", $"{root}.messages[0].from", $"{root}.messages[0].text.body", $"{root}.messages[1].from",
             $"{root}.messages[2].from", $"{root}.messages[2].location.latitude", $"{root}.messages[2].location.longitude", $"{root}.messages[2].location.name", $"{root}.statuses[0].recipient_id"],
            Paths(payload, InboundFieldKind.Text));
        Assert.Equal([$"{root}.messages[1].image.id", $"{root}.messages[1].image.caption"], Paths(payload, InboundFieldKind.Media));
        Assert.Equal([$"{root}.messages[1].image.id"], Files(payload));
    }

    [Fact]
    public void Telegram_maps_the_message_its_chat_and_its_files_keyed_by_update_id()
    {
        var payload = Map(ChannelKind.Telegram, """
            {"update_id":10000,"message":{"message_id":1365,"from":{"id":1111111,"is_bot":false},"chat":{"id":-1001234,"type":"group"},
             "caption":"look","photo":[{"file_id":"p1","file_unique_id":"u1"},{"file_id":"p2","file_unique_id":"u2"}],
             "document":{"file_id":"d1","file_name":"cv.pdf"},"contact":{"phone_number":"+1555","first_name":"Ann"}}}
            """);

        Assert.Equal("10000", payload.IdempotencyKey);
        var message = Assert.Single(payload.Messages);
        Assert.Equal("-1001234", message.ConversationId);
        Assert.Equal(["message.contact"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["message.caption", "message.photo[0].file_id", "message.photo[1].file_id", "message.document.file_id", "message.document.file_name"], Paths(payload, InboundFieldKind.Media));

        // Only the largest photo size is a file to download; the document's file_id is one too.
        Assert.Equal(["message.photo[1].file_id", "message.document.file_id"], Files(payload));
    }

    [Fact]
    public void Telegram_bot_author_and_callback_data_are_found()
    {
        var payload = Map(ChannelKind.Telegram, """
            {"update_id":5,"callback_query":{"id":"q","from":{"id":9,"is_bot":true},"data":"pay:42","message":{"message_id":3,"chat":{"id":9},"text":"choose"}}}
            """);

        var message = Assert.Single(payload.Messages);
        Assert.Equal("bot", message.Author);
        Assert.Equal("9", message.ConversationId);
        Assert.Equal(["callback_query.data", "callback_query.message.text"], Paths(payload));
    }

    [Fact]
    public void Twilio_form_is_a_json_object_whose_body_sender_location_and_media_urls_are_found()
    {
        var root = FormPayload.Parse("MessageSid=SM1&From=whatsapp%3A%2B1555&Body=hello+there&Latitude=1.5&MediaUrl0=https%3A%2F%2Fm%2F0&MediaUrl1=https%3A%2F%2Fm%2F1&MediaContentType0=image%2Fjpeg&Tag=a&Tag=b"u8);

        Assert.Equal("hello there", root["Body"]!.GetValue<string>());
        Assert.Equal("whatsapp:+1555", root["From"]!.GetValue<string>());
        Assert.Equal(["a", "b"], root["Tag"]!.AsArray().Select(t => t!.GetValue<string>()));
        var payload = InboundMappers.All[ChannelKind.Twilio].Map(root);
        Assert.Equal("SM1:", payload.IdempotencyKey);
        Assert.Equal("whatsapp:+1555", Assert.Single(payload.Messages).ConversationId);
        Assert.Equal(["Body", "From", "Latitude"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["MediaUrl0", "MediaUrl1"], Paths(payload, InboundFieldKind.Media));
        Assert.Equal(["MediaUrl0", "MediaUrl1"], Files(payload));
    }

    [Fact]
    public void Bot_framework_activity_maps_text_attachments_and_geo_entities()
    {
        var payload = Map(ChannelKind.BotFramework, """
            {"type":"message","id":"1485983408511","from":{"id":"u1","name":"Jane","role":"user"},"conversation":{"id":"19:abc@thread.skype;messageid=1"},
             "text":"hi","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"body":[]},"name":"card"}],
             "entities":[{"type":"GeoCoordinates","latitude":47.6,"longitude":-122.1},{"type":"mention","text":"@bot"}]}
            """);

        Assert.Equal("message::1485983408511:", payload.IdempotencyKey);
        var message = Assert.Single(payload.Messages);
        Assert.Equal("19:abc@thread.skype;messageid=1", message.ConversationId);
        Assert.Equal("user", message.Author);
        Assert.Equal(["text", "from.name", "entities[0].latitude", "entities[0].longitude", "entities[1].text"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["attachments[0].content", "attachments[0].name"], Paths(payload, InboundFieldKind.Media));
        Assert.Empty(Files(payload));
    }

    [Fact]
    public void Telegram_messages_inside_messages_are_sealed_by_the_same_rules()
    {
        var payload = Map(ChannelKind.Telegram, """
            {"update_id":11,"edited_message":{"message_id":2,"chat":{"id":7},"text":"yes",
             "quote":{"text":"my card is 4111","position":0},
             "reply_to_message":{"message_id":1,"chat":{"id":7},"text":"my card is 4111 1111","contact":{"phone_number":"+1555"},"document":{"file_id":"d1","file_name":"id.pdf"}},
             "external_reply":{"origin":{"type":"user"},"location":{"latitude":1.5,"longitude":2.5},"photo":[{"file_id":"p1"}]},
             "poll":{"id":"P","question":"Which clinic?","options":[{"text":"North"}]}}}
            """);

        Assert.Equal(
            ["edited_message.text", "edited_message.quote.text", "edited_message.poll.question", "edited_message.poll.options",
             "edited_message.reply_to_message.text", "edited_message.reply_to_message.contact", "edited_message.external_reply.location"],
            Paths(payload, InboundFieldKind.Text));
        Assert.Equal(
            ["edited_message.reply_to_message.document.file_id", "edited_message.reply_to_message.document.file_name", "edited_message.external_reply.photo[0].file_id"],
            Paths(payload, InboundFieldKind.Media));
    }

    [Fact]
    public void Telegram_pinned_messages_are_followed_and_past_the_depth_limit_sealed_whole()
    {
        var nested = """{"text":"deepest"}""";
        for (var i = 0; i < TelegramMapper.MaxNesting; i++)
        {
            nested = $$$"""{"text":"level","pinned_message":{{{nested}}}}""";
        }

        var payload = Map(ChannelKind.Telegram, $$$"""{"update_id":12,"channel_post":{"chat":{"id":-1},"pinned_message":{{{nested}}}}}""");

        var paths = Paths(payload).ToList();
        Assert.Contains("channel_post.pinned_message.text", paths);
        Assert.Contains("channel_post" + string.Concat(Enumerable.Repeat(".pinned_message", TelegramMapper.MaxNesting - 1)) + ".pinned_message", paths);
        Assert.DoesNotContain(paths, p => p.EndsWith(".pinned_message.text", StringComparison.Ordinal) && p.Split('.').Length > TelegramMapper.MaxNesting + 1);
    }

    [Fact]
    public void Telegram_inline_queries_polls_and_callback_messages_are_sealed()
    {
        Assert.Equal(["inline_query.query", "inline_query.location"], Paths(Map(ChannelKind.Telegram, """
            {"update_id":13,"inline_query":{"id":"i","from":{"id":1,"is_bot":false},"query":"my address","offset":"","location":{"latitude":1,"longitude":2}}}
            """)));
        Assert.Equal(["poll.question", "poll.options"], Paths(Map(ChannelKind.Telegram, """
            {"update_id":14,"poll":{"id":"P","question":"HIV test result?","options":[{"text":"positive","voter_count":1}],"total_voter_count":1}}
            """)));
        Assert.Equal(["callback_query.data", "callback_query.message.text", "callback_query.message.reply_to_message.text"], Paths(Map(ChannelKind.Telegram, """
            {"update_id":15,"callback_query":{"id":"q","from":{"id":9},"data":"d","message":{"chat":{"id":9},"text":"t","reply_to_message":{"text":"secret"}}}}
            """)));
    }

    [Fact]
    public void Slack_attachments_thread_broadcast_roots_and_edited_messages_are_sealed()
    {
        var broadcast = Map(ChannelKind.Slack, """
            {"event_id":"Ev3","event":{"type":"message","subtype":"thread_broadcast","channel":"C1","text":"see above",
             "attachments":[{"fallback":"card 4111","text":"card 4111","pretext":"p","title":"t"}],
             "root":{"text":"my card is 4111","attachments":[{"text":"x"}],"files":[{"name":"scan.png"}]}}}
            """);
        Assert.Equal(["event.text", "event.attachments", "event.root.text", "event.root.attachments"], Paths(broadcast, InboundFieldKind.Text));
        Assert.Equal(["event.root.files[0].name"], Paths(broadcast, InboundFieldKind.Media));

        var changed = Map(ChannelKind.Slack, """
            {"event_id":"Ev4","event":{"type":"message","subtype":"message_changed","channel":"C1",
             "message":{"text":"new","attachments":[{"text":"unfurl"}],"root":{"text":"thread start"}},"previous_message":{"text":"old","attachments":[{"fallback":"f"}]}}}
            """);
        Assert.Equal(
            ["event.message.text", "event.message.attachments", "event.message.root.text", "event.previous_message.text", "event.previous_message.attachments"],
            Paths(changed));
    }

    [Fact]
    public void WhatsApp_interactive_button_system_and_referral_fields_are_sealed_and_ids_pass()
    {
        var payload = Map(ChannelKind.WhatsApp, """
            {"entry":[{"changes":[{"value":{"messages":[
              {"from":"1555","id":"wamid.F","type":"interactive","context":{"from":"1666","id":"wamid.Q"},
               "interactive":{"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent","response_json":"{\"dob\":\"1990-01-01\"}"}}},
              {"from":"1555","id":"wamid.B","type":"button","button":{"payload":"card:4111","text":"Pay with 4111"}},
              {"from":"1555","id":"wamid.S","type":"system","system":{"body":"User changed number to 1777","wa_id":"1777","type":"user_changed_number"}},
              {"from":"1555","id":"wamid.R","type":"text","text":{"body":"hi"},"referral":{"source_url":"https://ad","source_id":"A1","body":"Ad body","headline":"Ad headline"}},
              {"from":"1555","id":"wamid.E","type":"reaction","reaction":{"message_id":"wamid.Q","emoji":"❤"}}]}}]}]}
            """);

        var root = "entry[0].changes[0].value.messages";
        Assert.Equal(
            [$"{root}[0].from", $"{root}[0].interactive", $"{root}[1].from", $"{root}[1].button.text", $"{root}[1].button.payload",
             $"{root}[2].from", $"{root}[2].system.body", $"{root}[2].system.wa_id", $"{root}[3].from", $"{root}[3].text.body",
             $"{root}[3].referral.body", $"{root}[3].referral.headline", $"{root}[4].from"],
            Paths(payload, InboundFieldKind.Text));
        Assert.Equal([$"{root}[3].referral.source_url"], Paths(payload, InboundFieldKind.Media));
    }

    [Fact]
    public void Bot_framework_channel_data_mentions_and_card_content_are_sealed_except_teams_channel_data()
    {
        var slack = Map(ChannelKind.BotFramework, """
            {"type":"message","id":"a1","channelId":"slack","from":{"id":"u","name":"Jane"},"conversation":{"id":"c"},"text":"hi",
             "channelData":{"SlackMessage":{"event":{"text":"hi"}}},"entities":[{"type":"mention","text":"<at>Ann</at>","mentioned":{"id":"u2","name":"Ann"}}],
             "attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"t","text":"secret"}}]}
            """);
        Assert.Equal(["text", "from.name", "entities[0].text", "entities[0].mentioned.name", "channelData"], Paths(slack, InboundFieldKind.Text));
        Assert.Equal(["attachments[0].content"], Paths(slack, InboundFieldKind.Media));

        var teams = Map(ChannelKind.BotFramework, """
            {"type":"message","id":"a2","channelId":"msteams","conversation":{"id":"c"},"text":"hi","channelData":{"tenant":{"id":"t"},"eventType":"x"}}
            """);
        Assert.Equal(["text"], Paths(teams));
    }

    [Fact]
    public void Twilio_status_callbacks_of_one_message_have_one_key_per_status()
    {
        static string? Key(string form) => InboundMappers.All[ChannelKind.Twilio].Map(FormPayload.Parse(System.Text.Encoding.UTF8.GetBytes(form))).IdempotencyKey;

        var keys = new[] { "queued", "sent", "delivered", "read" }.Select(s => Key($"MessageSid=SM9&MessageStatus={s}&SmsStatus={s}&To=%2B1555")).ToList();

        Assert.Equal(4, keys.Distinct().Count());
        Assert.Equal(Key("MessageSid=SM9&MessageStatus=read"), Key("MessageSid=SM9&MessageStatus=read"));
        Assert.Equal("SM9:received", Key("MessageSid=SM9&SmsStatus=received&Body=hi"));
        Assert.Null(Key("Body=hi"));
    }

    [Fact]
    public void Twilio_whatsapp_buttons_referrals_and_replies_are_sealed()
    {
        var root = FormPayload.Parse("MessageSid=SM2&From=whatsapp%3A%2B1555&ButtonText=Pay+4111&ButtonPayload=p&ReferralBody=b&ReferralHeadline=h&ReferralSourceUrl=https%3A%2F%2Fad&OriginalRepliedMessageSender=whatsapp%3A%2B1666&ChannelMetadata=%7B%7D"u8);

        var payload = InboundMappers.All[ChannelKind.Twilio].Map(root);

        Assert.Equal(["From", "ButtonText", "ButtonPayload", "ReferralBody", "ReferralHeadline", "OriginalRepliedMessageSender", "ChannelMetadata"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["ReferralSourceUrl"], Paths(payload, InboundFieldKind.Media));
    }

    [Fact]
    public void Bot_framework_edits_and_deletes_are_not_taken_for_retries_of_the_message()
    {
        static string? Key(string json) => Map(ChannelKind.BotFramework, json).IdempotencyKey;

        var message = Key("""{"type":"message","id":"m1","timestamp":"2026-01-01T00:00:00Z"}""");
        var edit = Key("""{"type":"messageUpdate","id":"m1","timestamp":"2026-01-01T00:01:00Z","channelData":{"eventType":"editMessage"}}""");
        var secondEdit = Key("""{"type":"messageUpdate","id":"m1","timestamp":"2026-01-01T00:02:00Z","channelData":{"eventType":"editMessage"}}""");
        var delete = Key("""{"type":"messageDelete","id":"m1","channelData":{"eventType":"softDeleteMessage"}}""");

        Assert.Equal(4, new[] { message, edit, secondEdit, delete }.Distinct().Count());
        Assert.Equal(edit, Key("""{"type":"messageUpdate","id":"m1","timestamp":"2026-01-01T00:01:00Z","channelData":{"eventType":"editMessage"}}"""));
    }

    [Fact]
    public void Payloads_without_messages_have_no_fields_and_no_key_where_the_channel_gives_none()
    {
        Assert.Empty(Map(ChannelKind.WhatsApp, """{"object":"whatsapp_business_account","entry":[]}""").Messages);
        Assert.Null(Map(ChannelKind.WhatsApp, """{"entry":[]}""").IdempotencyKey);
        Assert.Empty(Map(ChannelKind.BotFramework, """{"type":"conversationUpdate","id":"x"}""").Messages);
        Assert.Null(Map(ChannelKind.Slack, """{"command":"/weather","channel_id":"C1"}""").IdempotencyKey);
    }
}
