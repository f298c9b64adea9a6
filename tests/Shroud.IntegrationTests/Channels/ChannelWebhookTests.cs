using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Shroud.Core.Channels;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>Each channel's webhook through the local host: verification, sealing in the channel's shape, delivery to a loopback bot.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChannelWebhookTests(AzuriteFixture azurite) : ChannelWebhookTestBase(azurite)
{
    private const string SlackSecret = "slack-signing-secret-0b7e";
    private const string WhatsAppSecret = "wa-app-secret-51c2";
    private const string WhatsAppVerifyToken = "wa-verify-token-77d1";
    private const string TelegramToken = "telegram-secret-token-e3a9";

    // Twilio's published example ("Webhooks security"): auth token, URL, parameters and the signature Twilio gives.
    private const string TwilioExampleToken = "12345";
    private const string TwilioExampleUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string TwilioExampleBody = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    private const string TwilioExampleSignature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

    private static string SlackMessage(string eventId, string channel, string text) => $$$"""
        {"token":"XXYYZZ","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","type":"event_callback","event_id":"{{{eventId}}}","event_time":1700000000,
         "event":{"type":"message","channel":"{{{channel}}}","user":"U061F7AUR","text":"{{{text}}}","ts":"1700000000.000100",
                  "files":[{"id":"F1","name":"passport.png","url_private":"https://files.slack.com/files-pri/T1-F1/passport.png","mimetype":"image/png"}]}}
        """;

    private static string TelegramUpdate(long updateId, long chatId, string text) => $$$"""
        {"update_id":{{{updateId}}},"message":{"message_id":7,"from":{"id":{{{chatId}}},"is_bot":false,"first_name":"Jane"},"chat":{"id":{{{chatId}}},"type":"private"},"date":1700000000,"text":"{{{text}}}"}}
        """;

    private static string WhatsAppMessage(string messageId, string from, string text) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
          "contacts":[{"profile":{"name":"Jane Doe"},"wa_id":"{{{from}}}"}],
          "messages":[{"from":"{{{from}}}","id":"{{{messageId}}}","timestamp":"1700000000","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}
        """;

    [Fact]
    public async Task Slack_message_is_sealed_by_the_default_configuration_and_the_bot_gets_it_signed()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (id, path, forwardSecret) = await CreateChannelAsync("slack", new { signingSecret = SlackSecret });
        var body = SlackMessage("Ev0001", "C0001", "my card is 4111 1111 1111 1111");

        using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(SlackSecret, Now, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var delivered = Assert.Single(Bot.Requests);
        Assert.Equal("/hooks/slack", delivered.Path);
        Assert.True(SignatureVerifies(delivered, forwardSecret), "Shroud-Signature does not verify with the forward secret");
        Assert.False(SignatureVerifies(delivered, forwardSecret + "x"));
        Assert.Equal(id, delivered.Headers["Shroud-Channel"]);
        Assert.Matches("^[0-9a-f]{32}$", delivered.Headers["Shroud-Delivery-Id"]);
        Assert.StartsWith("application/json", delivered.Headers["Content-Type"]);

        var payload = JsonNode.Parse(delivered.Body)!;
        var e = payload["event"]!;
        Assert.True(IsSealed(e["text"]));
        Assert.Equal("★★★★★", e["text"]!["redacted"]!.GetValue<string>());
        Assert.Equal("my card is 4111 1111 1111 1111", await DecryptAsync(e["text"]));
        Assert.True(IsSealed(e["files"]![0]!["url_private"]));
        Assert.Equal("passport.png", await DecryptAsync(e["files"]![0]!["name"]));
        Assert.DoesNotContain("4111", Encoding.UTF8.GetString(delivered.Body), StringComparison.Ordinal);

        // Everything else is the channel's payload as sent.
        Assert.Equal("U061F7AUR", e["user"]!.GetValue<string>());
        Assert.Equal("C0001", e["channel"]!.GetValue<string>());
        Assert.Equal("image/png", e["files"]![0]!["mimetype"]!.GetValue<string>());
        Assert.Equal("Ev0001", payload["event_id"]!.GetValue<string>());

        // Delivered: the payload row (and with it every reference Shroud held) is gone.
        await WaitForAsync(async () => await PayloadRowsAsync() == 0, "the payload row to be deleted");
    }

    [Fact]
    public async Task A_configuration_encrypting_media_only_seals_the_files_and_leaves_the_text()
    {
        await CreateConfigurationAsync("media only", asDefault: true, messages: false);
        var (_, path, _) = await CreateChannelAsync("slack", new { signingSecret = SlackSecret });
        var body = SlackMessage("Ev0M01", "C0002", "see attached");

        using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(SlackSecret, Now, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var e = JsonNode.Parse(Assert.Single(Bot.Requests).Body)!["event"]!;
        Assert.Equal("see attached", e["text"]!.GetValue<string>());
        Assert.Equal("https://files.slack.com/files-pri/T1-F1/passport.png", await DecryptAsync(e["files"]![0]!["url_private"]));
        Assert.True(IsSealed(e["files"]![0]!["name"]));
    }

    [Fact]
    public async Task A_delivery_queue_deleted_while_the_host_runs_is_created_again_and_the_webhook_is_delivered()
    {
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });
        await new Azure.Storage.Queues.QueueClient(Azurite.ConnectionString, Factory.Settings["Storage:DeliveryQueue"]).DeleteAsync();

        var body = TelegramUpdate(7001, 99, "hello");
        using var response = await PostAsync(Http, path, body, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        Assert.Equal(7001, JsonNode.Parse(Assert.Single(Bot.Requests).Body)!["update_id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Slack_url_verification_is_answered_with_its_challenge_and_nothing_is_stored_or_forwarded()
    {
        var (_, path, _) = await CreateChannelAsync("slack", new { signingSecret = SlackSecret });
        const string body = """{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}""";

        using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(SlackSecret, Now, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await CountRowsAsync("records"));
        Assert.Equal(0, await CountRowsAsync("deliveries"));
        Assert.Empty(Bot.Requests);
    }

    [Fact]
    public async Task WhatsApp_handshake_echoes_the_challenge_only_for_the_verify_token()
    {
        var (_, path, _) = await CreateChannelAsync("whatsapp", new { appSecret = WhatsAppSecret, verifyToken = WhatsAppVerifyToken });

        using var ok = await Http.GetAsync($"{path}?hub.mode=subscribe&hub.verify_token={WhatsAppVerifyToken}&hub.challenge=1158201444");
        using var wrong = await Http.GetAsync($"{path}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain("1158201444", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhatsApp_message_has_its_text_sender_and_profile_sealed()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, forwardSecret) = await CreateChannelAsync("whatsapp", new { appSecret = WhatsAppSecret, verifyToken = WhatsAppVerifyToken });
        var body = WhatsAppMessage("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "16315551234", "my address is 1 Main St");

        using var response = await PostAsync(Http, path, body, "application/json", WhatsAppHeaders(WhatsAppSecret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var delivered = Assert.Single(Bot.Requests);
        Assert.True(SignatureVerifies(delivered, forwardSecret));
        var value = JsonNode.Parse(delivered.Body)!["entry"]![0]!["changes"]![0]!["value"]!;
        Assert.Equal("my address is 1 Main St", await DecryptAsync(value["messages"]![0]!["text"]!["body"]));
        Assert.Equal("16315551234", await DecryptAsync(value["messages"]![0]!["from"]));
        Assert.Equal("Jane Doe", await DecryptAsync(value["contacts"]![0]!["profile"]!["name"]));
        Assert.Equal("106540352242922", value["metadata"]!["phone_number_id"]!.GetValue<string>());
        Assert.Equal("text", value["messages"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Telegram_message_is_sealed_while_its_conversation_encrypts_and_passes_through_once_that_ended()
    {
        var configuration = await CreateConfigurationAsync("for one chat", asDefault: false);
        var (_, path, forwardSecret) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });
        var conversation = $"/api/apps/{App}/conversations/4242/encryption";
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Put, conversation, Key, new { configurationId = configuration })).Status);

        var sealedBody = TelegramUpdate(9001, 4242, "my PIN is 1234");
        using (var sent = await PostAsync(Http, path, sealedBody, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken)))
        {
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        await WaitForBotAsync(1);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, conversation, Key)).Status);
        var plainBody = TelegramUpdate(9002, 4242, "thanks, bye");
        using (var sent = await PostAsync(Http, path, plainBody, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken)))
        {
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }

        await WaitForBotAsync(2);
        var received = Bot.Requests.Select(r => (Request: r, Json: JsonNode.Parse(r.Body)!)).ToDictionary(r => r.Json["update_id"]!.GetValue<long>());
        Assert.All(received.Values, r => Assert.True(SignatureVerifies(r.Request, forwardSecret)));
        Assert.Equal("my PIN is 1234", await DecryptAsync(received[9001].Json["message"]!["text"]));
        Assert.Equal("thanks, bye", received[9002].Json["message"]!["text"]!.GetValue<string>());
        Assert.Equal(4242, received[9002].Json["message"]!["chat"]!["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Twilio_published_example_is_verified_and_forwarded_as_a_json_object_of_its_parameters()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, forwardSecret) = await CreateChannelAsync("twilio", new { authToken = TwilioExampleToken }, publicUrl: TwilioExampleUrl);

        using var response = await PostAsync(Http, path, TwilioExampleBody, "application/x-www-form-urlencoded", ("X-Twilio-Signature", TwilioExampleSignature));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var delivered = Assert.Single(Bot.Requests);
        Assert.True(SignatureVerifies(delivered, forwardSecret));
        var payload = JsonNode.Parse(delivered.Body)!.AsObject();
        Assert.Equal("+12349013030", await DecryptAsync(payload["From"]));
        Assert.Equal("CA1234567890ABCDE", payload["CallSid"]!.GetValue<string>());
        Assert.Equal("+18005551212", payload["To"]!.GetValue<string>());
        Assert.Equal("1234", payload["Digits"]!.GetValue<string>());
    }

    [Fact]
    public async Task Twilio_message_body_and_media_urls_are_sealed()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        const string url = "https://shroud.example.com/twilio";
        var (_, path, _) = await CreateChannelAsync("twilio", new { authToken = "twilio-auth-token-1" }, publicUrl: url);
        (string, string)[] parameters =
        [
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("From", "whatsapp:+14155550100"), ("To", "whatsapp:+14155550199"),
            ("Body", "my IBAN is DE89 3704 0044 0532 0130 00"), ("NumMedia", "1"), ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"),
        ];

        using var response = await PostAsync(Http, path, Form(parameters), "application/x-www-form-urlencoded", TwilioHeaders("twilio-auth-token-1", url, parameters));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var payload = JsonNode.Parse(Assert.Single(Bot.Requests).Body)!;
        Assert.Equal("my IBAN is DE89 3704 0044 0532 0130 00", await DecryptAsync(payload["Body"]));
        Assert.Equal("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", await DecryptAsync(payload["MediaUrl0"]));
        Assert.Equal("1", payload["NumMedia"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("slack", "C0END")]
    [InlineData("whatsapp", "15550001111")]
    [InlineData("telegram", "5151")]
    [InlineData("twilio", "+15550002222")]
    public async Task A_message_is_sealed_while_its_conversation_encrypts_and_passes_through_once_that_ended(string type, string conversation)
    {
        var configuration = await CreateConfigurationAsync("for one conversation", asDefault: false);
        const string twilioUrl = "https://shroud.example.com/twilio";
        var (_, path, forwardSecret) = type switch
        {
            "slack" => await CreateChannelAsync("slack", new { signingSecret = SlackSecret }),
            "whatsapp" => await CreateChannelAsync("whatsapp", new { appSecret = WhatsAppSecret, verifyToken = WhatsAppVerifyToken }),
            "telegram" => await CreateChannelAsync("telegram", new { secretToken = TelegramToken }),
            _ => await CreateChannelAsync("twilio", new { authToken = "twilio-auth-token-1" }, publicUrl: twilioUrl),
        };
        var encryption = $"/api/apps/{App}/conversations/{Uri.EscapeDataString(conversation)}/encryption";

        async Task SendAsync(int n, string text)
        {
            (string Name, string Value)[] twilio = [("MessageSid", $"SM{n}"), ("From", conversation), ("Body", text)];
            var (body, contentType, headers) = type switch
            {
                "slack" => (SlackMessage($"Ev{n}", conversation, text), "application/json", SlackHeaders(SlackSecret, Now, SlackMessage($"Ev{n}", conversation, text))),
                "whatsapp" => (WhatsAppMessage($"wamid.{n}", conversation, text), "application/json", WhatsAppHeaders(WhatsAppSecret, WhatsAppMessage($"wamid.{n}", conversation, text))),
                "telegram" => (TelegramUpdate(n, long.Parse(conversation), text), "application/json", new[] { ("X-Telegram-Bot-Api-Secret-Token", TelegramToken) }),
                _ => (Form(twilio), "application/x-www-form-urlencoded", TwilioHeaders("twilio-auth-token-1", twilioUrl, twilio)),
            };
            using var response = await PostAsync(Http, path, body, contentType, headers);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitForBotAsync(n);
        }

        JsonNode? Text(BotRequest request)
        {
            var json = JsonNode.Parse(request.Body)!;
            return type switch
            {
                "slack" => json["event"]!["text"],
                "whatsapp" => json["entry"]![0]!["changes"]![0]!["value"]!["messages"]![0]!["text"]!["body"],
                "telegram" => json["message"]!["text"],
                _ => json["Body"],
            };
        }

        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Put, encryption, Key, new { configurationId = configuration })).Status);
        await SendAsync(1, "my account number is 12345678");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, encryption, Key)).Status);
        await SendAsync(2, "thanks, that is all");

        var (first, second) = (Bot.Requests.ElementAt(0), Bot.Requests.ElementAt(1));
        Assert.True(SignatureVerifies(first, forwardSecret) && SignatureVerifies(second, forwardSecret));
        Assert.True(IsSealed(Text(first)));
        Assert.Equal("my account number is 12345678", await DecryptAsync(Text(first)));
        Assert.Equal("thanks, that is all", Text(second)!.GetValue<string>());
    }

    [Fact]
    public async Task Encryption_started_on_another_instance_seals_the_next_message_before_the_bot_sees_it_though_this_instance_cached_the_old_state()
    {
        var configuration = await CreateConfigurationAsync("started elsewhere", asDefault: false);
        var (_, path, forwardSecret) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });

        async Task SendAsync(int n, string text)
        {
            using var response = await PostAsync(Http, path, TelegramUpdate(n, 6161, text), "application/json", [("X-Telegram-Bot-Api-Secret-Token", TelegramToken)]);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitForBotAsync(n);
        }

        // This instance reads the conversation as not encrypting, and caches that for Shroud__CacheRefresh.
        await SendAsync(1, "hello there");

        await using var other = Factory.Sibling();
        var otherClient = new ShroudClient(other.CreateClient());
        Assert.Equal(HttpStatusCode.OK, (await otherClient.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/6161/encryption", Key, new { configurationId = configuration })).Status);
        await SendAsync(2, "my card is 4111 1111 1111 1111");

        var (first, second) = (Bot.Requests.ElementAt(0), Bot.Requests.ElementAt(1));
        Assert.Equal("hello there", JsonNode.Parse(first.Body)!["message"]!["text"]!.GetValue<string>());
        Assert.True(SignatureVerifies(second, forwardSecret));
        var text = JsonNode.Parse(second.Body)!["message"]!["text"];
        Assert.True(IsSealed(text), Encoding.UTF8.GetString(second.Body));
        Assert.Equal("my card is 4111 1111 1111 1111", await DecryptAsync(text));
        Assert.All(Bot.Requests, r => Assert.DoesNotContain(ChannelInbox.UnsealedProperty, Encoding.UTF8.GetString(r.Body), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_payload_that_names_shroud_properties_itself_is_sealed_as_any_other_and_its_own_objects_pass_untouched()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });
        const string forged = """{"conversation":"1","author":"user","kind":"media","file":true,"value":"https://files.example.com/x"}""";
        var body = $$$"""
            {"update_id":8101,"message":{"message_id":7,"chat":{"id":8101,"type":"private"},"date":1700000000,
             "text":{"$shroud":null,"card":"4111 1111 1111 1111"},"$shroudUnsealed":{{{forged}}}}}
            """;

        using (var response = await PostAsync(Http, path, body, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitForBotAsync(1);
        var message = JsonNode.Parse(Assert.Single(Bot.Requests).Body)!["message"]!;
        Assert.True(IsSealed(message["text"]), message.ToJsonString());
        Assert.Contains("4111 1111 1111 1111", await DecryptAsync(message["text"]), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(forged), message[ChannelInbox.UnsealedProperty]), message.ToJsonString());
    }

    public static TheoryData<string, string> BadCalls => new()
    {
        { "slack", "missing" }, { "slack", "wrong" }, { "slack", "stale" },
        { "whatsapp", "missing" }, { "whatsapp", "wrong" },
        { "telegram", "missing" }, { "telegram", "wrong" },
        { "twilio", "missing" }, { "twilio", "wrong" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task Missing_wrong_or_stale_signatures_are_refused_and_nothing_is_stored_or_forwarded(string type, string fault)
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        const string twilioUrl = "https://shroud.example.com/twilio";
        var (id, path, _) = type switch
        {
            "slack" => await CreateChannelAsync("slack", new { signingSecret = SlackSecret }),
            "whatsapp" => await CreateChannelAsync("whatsapp", new { appSecret = WhatsAppSecret, verifyToken = WhatsAppVerifyToken }),
            "telegram" => await CreateChannelAsync("telegram", new { secretToken = TelegramToken }),
            _ => await CreateChannelAsync("twilio", new { authToken = "twilio-auth-token-1" }, publicUrl: twilioUrl),
        };
        (string Name, string Value)[] twilioParameters = [("MessageSid", "SM1"), ("From", "+14155550100"), ("Body", "secret")];
        var (body, contentType, headers) = (type, fault) switch
        {
            ("slack", "missing") => (SlackMessage("Ev1", "C1", "secret"), "application/json", Array.Empty<(string, string)>()),
            ("slack", "wrong") => (SlackMessage("Ev1", "C1", "secret"), "application/json", SlackHeaders(SlackSecret + "x", Now, SlackMessage("Ev1", "C1", "secret"))),
            ("slack", _) => (SlackMessage("Ev1", "C1", "secret"), "application/json", SlackHeaders(SlackSecret, Now - 301, SlackMessage("Ev1", "C1", "secret"))),
            ("whatsapp", "missing") => (WhatsAppMessage("wamid.1", "1555", "secret"), "application/json", Array.Empty<(string, string)>()),
            ("whatsapp", _) => (WhatsAppMessage("wamid.1", "1555", "secret"), "application/json", WhatsAppHeaders(WhatsAppSecret, WhatsAppMessage("wamid.1", "1555", "other"))),
            ("telegram", "missing") => (TelegramUpdate(1, 1, "secret"), "application/json", Array.Empty<(string, string)>()),
            ("telegram", _) => (TelegramUpdate(1, 1, "secret"), "application/json", new[] { ("X-Telegram-Bot-Api-Secret-Token", TelegramToken + "x") }),
            (_, "missing") => (Form(twilioParameters), "application/x-www-form-urlencoded", Array.Empty<(string, string)>()),
            _ => (Form(twilioParameters), "application/x-www-form-urlencoded", TwilioHeaders("twilio-auth-token-1", twilioUrl + "/other", twilioParameters)),
        };

        using var response = await PostAsync(Http, path, body, contentType, headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("unauthorized", problem["code"]!.GetValue<string>());
        await Task.Delay(500);
        Assert.Equal(0, await CountRowsAsync("records"));
        Assert.Equal(0, await CountRowsAsync("deliveries"));
        Assert.Empty(Bot.Requests);
        var (_, audit, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?action=access.denied", ShroudFactory.BootstrapKey);
        Assert.Contains(audit!["items"]!.AsArray(), r => r!["target"]?.GetValue<string>() == id);
    }

    [Fact]
    public async Task Unknown_app_and_unknown_channel_are_answered_like_a_bad_signature()
    {
        var (id, path, _) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });
        var body = TelegramUpdate(1, 1, "hi");
        (string, string) token = ("X-Telegram-Bot-Api-Secret-Token", TelegramToken);

        using var wrongToken = await PostAsync(Http, path, body, "application/json", ("X-Telegram-Bot-Api-Secret-Token", "guess"));
        using var unknownChannel = await PostAsync(Http, path.Replace(id, "0123456789abcdef"), body, "application/json", token);
        using var unknownApp = await PostAsync(Http, path.Replace(App, "no-such-app"), body, "application/json", token);
        using var malformed = await PostAsync(Http, path.Replace(id, "not-a-channel"), body, "application/json", token);

        var answers = new[] { wrongToken, unknownChannel, unknownApp, malformed };
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Select(b => JsonNode.Parse(b)!["detail"]!.GetValue<string>()).Distinct());
    }

    [Fact]
    public async Task A_channels_retries_of_one_message_are_answered_200_and_delivered_once()
    {
        var (_, path, _) = await CreateChannelAsync("slack", new { signingSecret = SlackSecret });
        var body = SlackMessage("Ev0DUP", "C0001", "hello");

        for (var i = 0; i < 3; i++)
        {
            using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(SlackSecret, Now, body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Every copy's payload row is deleted once its message was handled: delivered, or dropped as a duplicate.
        await WaitForAsync(async () => await PayloadRowsAsync() == 0 && Bot.Requests.Count >= 1, "all three copies to be handled");
        var delivered = Assert.Single(Bot.Requests);
        Assert.Equal("Ev0DUP", JsonNode.Parse(delivered.Body)!["event_id"]!.GetValue<string>());
    }
}
