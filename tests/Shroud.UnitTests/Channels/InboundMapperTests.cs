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
        Assert.Equal("SM1", payload.IdempotencyKey);
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

        Assert.Equal("1485983408511", payload.IdempotencyKey);
        var message = Assert.Single(payload.Messages);
        Assert.Equal("19:abc@thread.skype;messageid=1", message.ConversationId);
        Assert.Equal("user", message.Author);
        Assert.Equal(["text", "from.name", "entities[0].latitude", "entities[0].longitude"], Paths(payload, InboundFieldKind.Text));
        Assert.Equal(["attachments[0].content", "attachments[0].name"], Paths(payload, InboundFieldKind.Media));
        Assert.Empty(Files(payload));
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
