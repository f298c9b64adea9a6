using System.Text.Json.Nodes;
using Shroud.Api.Channels;

namespace Shroud.UnitTests.Channels;

/// <summary>Channel answers and send payloads of an unexpected shape read as absent, never as an exception (a 500).</summary>
public sealed class JsonPathTests
{
    [Theory]
    [InlineData("""{ "conversation": "a string" }""")]
    [InlineData("""{ "conversation": ["an", "array"] }""")]
    [InlineData("""{ "conversation": 42 }""")]
    [InlineData("""{ "conversation": null }""")]
    [InlineData("""[ "not", "an", "object" ]""")]
    [InlineData("\"text\"")]
    public void A_property_of_anything_but_an_object_is_absent(string json)
    {
        var node = JsonNode.Parse(json);

        Assert.Null(node.Prop("conversation").Prop("id"));
    }

    [Fact]
    public void Properties_and_items_are_found_where_the_shape_is_right()
    {
        var node = JsonNode.Parse("""{ "messages": [ { "id": "wamid.1" } ], "error": "invalid_auth" }""");

        Assert.Equal("wamid.1", node.Prop("messages").Item(0).Prop("id")!.GetValue<string>());
        Assert.Null(node.Prop("messages").Item(1));
        Assert.Null(node.Prop("messages").Item(-1));
        Assert.Null(node.Prop("error").Prop("code"));
        Assert.Null(node.Prop("messages").Prop("id"));
    }
}
