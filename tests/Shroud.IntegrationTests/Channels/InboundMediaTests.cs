using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// Inbound media sealed as files: the delivery consumer downloads a user's media from a fake channel on loopback with
/// the channel's credentials, seals it as Shroud media, and the bot receives a media reference in the file's place.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboundMediaTests(AzuriteFixture azurite) : ChannelWebhookTestBase(azurite, new Dictionary<string, string?>
{
    ["Channels:DeliveryRetryDelay"] = "00:00:01",
})
{
    private const string AppSecret = "wa-app-secret-media-1";
    private const string AccessToken = "wa-access-token-media-9c1f";
    private const string MediaId = "1037543291543636";
    private const string FilePath = "/lookaside/whatsapp_business/attachments/media-9c1f";

    private FakeChannelServer fake = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        fake = await FakeChannelServer.StartAsync();
        fake.Answer = r => r.Path == $"/v23.0/{MediaId}"
            ? (200, $$"""{"messaging_product":"whatsapp","url":"{{fake.BaseUrl}}{{FilePath}}?ext=1700000000&hash=abc","mime_type":"image/jpeg","sha256":"x","file_size":2097152,"id":"{{MediaId}}"}""")
            : (404, """{"error":{"code":100}}""");
    }

    public override async Task DisposeAsync()
    {
        await fake.DisposeAsync();
        await base.DisposeAsync();
    }

    private static string ImageMessage(string messageId) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
          "contacts":[{"profile":{"name":"Jane Doe"},"wa_id":"16315551234"}],
          "messages":[{"from":"16315551234","id":"{{{messageId}}}","timestamp":"1700000000","type":"image",
            "image":{"caption":"my id card","mime_type":"image/jpeg","sha256":"x","id":"{{{MediaId}}}"}}]}}]}]}
        """;

    private async Task<string> CreateWhatsAppChannelAsync() =>
        (await CreateChannelAsync("whatsapp", new { appSecret = AppSecret, verifyToken = "wa-verify", accessToken = AccessToken, phoneNumberId = "106540352242922" }, apiBaseUrl: fake.BaseUrl)).Path;

    private async Task SendImageAsync(string path, string messageId)
    {
        var body = ImageMessage(messageId);
        using var response = await PostAsync(Http, path, body, "application/json", WhatsAppHeaders(AppSecret, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static JsonNode? Image(BotRequest request) =>
        JsonNode.Parse(request.Body)!["entry"]![0]!["changes"]![0]!["value"]!["messages"]![0]!["image"];

    private async Task<byte[]> RevealMediaAsync(string reference)
    {
        using var reveal = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        reveal.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await Http.SendAsync(reveal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_2_MiB_WhatsApp_image_reaches_the_bot_as_a_media_reference_read_with_the_channels_token()
    {
        var image = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        fake.Files[FilePath] = ("application/octet-stream", image);
        await CreateConfigurationAsync("media", asDefault: true);
        var path = await CreateWhatsAppChannelAsync();

        await SendImageAsync(path, "wamid.media1");
        await WaitForBotAsync(1);

        var field = Image(Bot.Requests.Single())!["id"]!.AsObject();
        Assert.Equal("image/jpeg", field["contentType"]!.GetValue<string>());
        Assert.Equal(image.Length, field["size"]!.GetValue<long>());
        Assert.False(field.ContainsKey("$shroudMediaPending"));
        Assert.Equal(image, await RevealMediaAsync(field["$shroud"]!.GetValue<string>()));

        // The original media id is still sealed beside the file, and the caption (media text) is sealed too.
        Assert.True(IsSealed(field["source"]));
        Assert.Equal(MediaId, await DecryptAsync(field["source"]));
        Assert.True(IsSealed(Image(Bot.Requests.Single())!["caption"]));

        // Both the media endpoint and the file were read with the channel's access token.
        var requests = fake.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal($"/v23.0/{MediaId}", requests[0].Path);
        Assert.StartsWith(FilePath, requests[1].Path, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal($"Bearer {AccessToken}", r.Authorization));
        Assert.DoesNotContain(AccessToken, System.Text.Encoding.UTF8.GetString(Bot.Requests.Single().Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_encryptMedia_nothing_is_downloaded_and_the_id_passes_as_the_configuration_says()
    {
        fake.Files[FilePath] = ("image/jpeg", [1, 2, 3]);
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/configurations", Key, new
        {
            name = "messages only", encryptUserMessages = false, encryptBotMessages = false, encryptAgentMessages = false, encryptMedia = false,
        });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Patch, $"/api/apps/{App}", Key, new { defaultConfigurationId = body!["id"]!.GetValue<string>() })).Status);
        var path = await CreateWhatsAppChannelAsync();

        await SendImageAsync(path, "wamid.media2");
        await WaitForBotAsync(1);

        Assert.Equal(MediaId, Image(Bot.Requests.Single())!["id"]!.GetValue<string>());
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_media_download_answered_5xx_is_retried_like_a_delivery()
    {
        var image = RandomNumberGenerator.GetBytes(64 * 1024);
        fake.Files[FilePath] = ("image/png", image);
        fake.FileFailures = 2;
        await CreateConfigurationAsync("media", asDefault: true);
        var path = await CreateWhatsAppChannelAsync();

        await SendImageAsync(path, "wamid.media3");
        await WaitForBotAsync(1, seconds: 60);

        var field = Image(Bot.Requests.Single())!["id"]!.AsObject();
        Assert.Equal(image, await RevealMediaAsync(field["$shroud"]!.GetValue<string>()));
        Assert.Equal(3, fake.Requests.Count(r => r.Path.StartsWith(FilePath, StringComparison.Ordinal)));
        Assert.Single(Bot.Requests);
    }
}
