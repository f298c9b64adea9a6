using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;
using Shroud.Core.Records;

namespace Shroud.UnitTests.Channels;

public sealed class OutboundMessageTests
{
    private static JsonObject Sealed(string reference) => new() { ["$shroud"] = reference, ["redacted"] = "★★★★★" };

    [Fact]
    public void Sealed_fields_are_found_anywhere_in_document_order_with_their_paths()
    {
        var message = new OutboundMessage(new JsonObject
        {
            ["channel"] = "C1",
            ["text"] = Sealed("r1"),
            ["blocks"] = new JsonArray(new JsonObject { ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Sealed("r2") } }, Sealed("r3")),
        });

        Assert.Equal([("$.text", "r1"), ("$.blocks[0].text.text", "r2"), ("$.blocks[1]", "r3")], message.References);
    }

    [Fact]
    public void Fill_puts_text_in_place_json_where_it_was_sealed_as_json_and_leaves_the_rest_untouched()
    {
        var message = new OutboundMessage(new JsonObject
        {
            ["chat_id"] = 42,
            ["text"] = Sealed("r1"),
            ["location"] = Sealed("r2"),
            ["caption"] = Sealed("r3"),
        });

        message.Fill(
        [
            new RevealedValue("we sent the code to jane@example.com", false, null, Vault.TextContentType),
            new RevealedValue("""{"latitude":52.52,"longitude":13.40}""", false, null, Vault.JsonContentType),
            Vault.Redacted("★★★★★"),
        ]);

        Assert.Equal(
            """{"chat_id":42,"text":"we sent the code to jane@example.com","location":{"latitude":52.52,"longitude":13.40},"caption":"★★★★★"}""",
            message.Payload.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Empty(message.References);
    }

    [Fact]
    public void Fill_leaves_a_media_file_sealed_in_place_and_lists_it_for_the_sender()
    {
        var message = new OutboundMessage(new JsonObject
        {
            ["type"] = "image",
            ["image"] = new JsonObject { ["link"] = Sealed("r1"), ["caption"] = Sealed("r2") },
        });

        message.Fill([new RevealedValue("", false, null, "image/jpeg") { Media = true }, new RevealedValue("my id card", false, null, Vault.TextContentType)]);

        var (field, path, reference) = Assert.Single(message.Media);
        Assert.Equal(("$.image.link", "r1"), (path, reference));
        Assert.Same(message.Payload["image"]!["link"], field);
        Assert.Equal("my id card", message.Payload["image"]!["caption"]!.GetValue<string>());
    }

    [Fact]
    public void A_sealed_field_whose_reference_is_not_text_is_an_invalid_reference_and_the_whole_body_cannot_be_one()
    {
        var notText = Assert.Throws<ShroudException>(() => new OutboundMessage(new JsonObject { ["text"] = new JsonObject { ["$shroud"] = 7 } }));
        Assert.Equal(ShroudError.InvalidReference, notText.Error);
        Assert.Contains("$.text", notText.Message, StringComparison.Ordinal);

        var whole = Assert.Throws<ShroudException>(() => new OutboundMessage(Sealed("r1")));
        Assert.Equal(ShroudError.ValidationFailed, whole.Error);
    }
}
