using System.Text.Json.Nodes;
using Shroud.Api.Channels;
using Shroud.Core;

namespace Shroud.UnitTests.Channels;

public sealed class ChannelApiTests
{
    [Theory]
    [InlineData("\"channel_not_found\"", "channel_not_found")]
    [InlineData("131030", "131030")]
    [InlineData("\"BadArgument\"", "BadArgument")]
    [InlineData("\"Bad Request: chat not found for jane@example.com\"", null)]
    [InlineData("{\"code\":1}", null)]
    [InlineData("true", null)]
    public void Only_what_looks_like_an_error_code_is_taken_from_a_channels_answer(string json, string? expected)
    {
        Assert.Equal(expected, ChannelApi.ErrorCode(JsonNode.Parse(json)));
    }

    [Fact]
    public void A_refusal_names_the_channel_its_status_and_code_and_nothing_else()
    {
        var refused = ChannelApi.Refused("WhatsApp", 400, "131030");

        Assert.Equal(ShroudError.ChannelError, refused.Error);
        Assert.Equal("WhatsApp refused the message with status 400 and error '131030'.", refused.Message);
        Assert.Equal(400, refused.Extensions!["channelStatus"]);
        Assert.Equal("131030", refused.Extensions["channelError"]);
    }
}
