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

/// <summary>Telegram and Twilio media sealed as files, each read from a fake channel with the channel's own credential.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class InboundMediaOtherChannelsTests(AzuriteFixture azurite) : ChannelWebhookTestBase(azurite)
{
    private FakeChannelServer fake = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        fake = await FakeChannelServer.StartAsync();
        await CreateConfigurationAsync("media", asDefault: true);
    }

    public override async Task DisposeAsync()
    {
        await fake.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<byte[]> RevealMediaAsync(JsonNode? field)
    {
        using var reveal = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = field!["$shroud"]!.GetValue<string>() }) };
        reveal.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await Http.SendAsync(reveal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_Telegram_photo_is_fetched_through_getFile_with_the_bot_token()
    {
        const string botToken = "123456:telegram-bot-token-media";
        const string secretToken = "telegram-secret-media";
        var photo = RandomNumberGenerator.GetBytes(300_000);
        fake.Answer = r => r.Path.StartsWith($"/bot{botToken}/getFile?file_id=AgACAgIAAxk-large", StringComparison.Ordinal)
            ? (200, """{"ok":true,"result":{"file_id":"AgACAgIAAxk-large","file_unique_id":"u1","file_size":300000,"file_path":"photos/file_7.jpg"}}""")
            : (400, """{"ok":false,"error_code":400}""");
        fake.Files[$"/file/bot{botToken}/photos/file_7.jpg"] = ("image/jpeg", photo);
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken, botToken }, apiBaseUrl: fake.BaseUrl);
        const string update = """
            {"update_id":9001,"message":{"message_id":5,"from":{"id":77,"is_bot":false},"chat":{"id":77,"type":"private"},
             "photo":[{"file_id":"AgACAgIAAxk-small","file_unique_id":"u0","width":90,"height":90},{"file_id":"AgACAgIAAxk-large","file_unique_id":"u1","width":1280,"height":1280}]}}
            """;

        using var response = await PostAsync(Http, path, update, "application/json", ("X-Telegram-Bot-Api-Secret-Token", secretToken));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);

        var photos = JsonNode.Parse(Bot.Requests.Single().Body)!["message"]!["photo"]!;
        var large = photos[1]!["file_id"]!;
        Assert.Equal(photo, await RevealMediaAsync(large));
        Assert.Equal("image/jpeg", large["contentType"]!.GetValue<string>());
        Assert.Equal("AgACAgIAAxk-large", await DecryptAsync(large["source"]));

        // The smaller sizes stay sealed ids; only the largest is downloaded, both calls carrying the bot token.
        Assert.True(IsSealed(photos[0]!["file_id"]) && photos[0]!["file_id"]!["contentType"] is null);
        Assert.Equal(2, fake.Requests.Count);
        Assert.All(fake.Requests, r => Assert.Contains($"/bot{botToken}/", r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_Twilio_media_url_is_read_with_basic_authentication_and_its_redirect_followed()
    {
        const string accountSid = "AC0123456789abcdef0123456789abcdef";
        const string authToken = "twilio-auth-token-media";
        const string url = "https://shroud.example.com/twilio";
        var picture = RandomNumberGenerator.GetBytes(200_000);
        fake.Files["/storage/ME1"] = ("application/octet-stream", picture);
        var (_, path, _) = await CreateChannelAsync("twilio", new { authToken, accountSid }, publicUrl: url);
        var mediaUrl = $"{fake.BaseUrl}/2010-04-01/Accounts/{accountSid}/Messages/MM1/Media/ME1";
        (string, string)[] parameters =
        [
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("From", "whatsapp:+14155550100"), ("To", "whatsapp:+14155550199"),
            ("NumMedia", "1"), ("MediaUrl0", mediaUrl), ("MediaContentType0", "image/png"),
        ];
        fake.Answer = _ => (307, "{}");
        fake.Location = "/storage/ME1";

        using var response = await PostAsync(Http, path, Form(parameters), "application/x-www-form-urlencoded", TwilioHeaders(authToken, url, parameters));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);

        var field = JsonNode.Parse(Bot.Requests.Single().Body)!["MediaUrl0"];
        Assert.Equal(picture, await RevealMediaAsync(field));
        Assert.Equal("image/png", field!["contentType"]!.GetValue<string>());
        Assert.Equal(mediaUrl, await DecryptAsync(field["source"]));
        var requests = fake.Requests.ToList();
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")), requests[0].Authorization);

        // The redirect to the storage path is followed on the same origin, so the credentials go along.
        Assert.Equal("/storage/ME1", requests[1].Path);
    }

    [Fact]
    public async Task A_Slack_file_is_read_from_url_private_with_the_bot_token()
    {
        const string signingSecret = "slack-signing-secret-media";
        const string botToken = "xoxb-slack-bot-token-media";
        var scan = RandomNumberGenerator.GetBytes(150_000);
        fake.Files["/files-pri/T1-F1/passport.png"] = ("application/octet-stream", scan);
        var (_, path, _) = await CreateChannelAsync("slack", new { signingSecret, botToken });
        var body = $$$"""
            {"token":"XXYYZZ","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","type":"event_callback","event_id":"EvMedia1","event_time":1700000000,
             "event":{"type":"message","channel":"C0001","user":"U061F7AUR","text":"my passport","ts":"1700000000.000100",
                      "files":[{"id":"F1","name":"passport.png","url_private":"{{{fake.BaseUrl}}}/files-pri/T1-F1/passport.png","mimetype":"image/png"}]}}
            """;

        using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(signingSecret, Now, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);

        var file = JsonNode.Parse(Bot.Requests.Single().Body)!["event"]!["files"]![0]!;
        Assert.Equal(scan, await RevealMediaAsync(file["url_private"]));
        Assert.Equal("image/png", file["url_private"]!["contentType"]!.GetValue<string>());
        Assert.Equal($"{fake.BaseUrl}/files-pri/T1-F1/passport.png", await DecryptAsync(file["url_private"]!["source"]));
        Assert.True(IsSealed(file["name"]));
        Assert.Equal($"Bearer {botToken}", Assert.Single(fake.Requests).Authorization);
    }
}
