using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Shroud.Api;
using Shroud.Api.Channels;
using Shroud.Core.Channels;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// Bot Framework activities through the local host: tokens signed with a test key, validated against OpenID metadata
/// and keys served over https by a loopback server (the channel's <c>apiBaseUrl</c>) whose self-signed certificate the
/// host's metadata client is given to trust.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BotFrameworkWebhookTests(AzuriteFixture azurite) : ChannelWebhookTestBase(azurite)
{
    private const string BotAppId = "6f8a1b2c-0000-4000-8000-00000000b07f";

    private readonly RSA signingKey = RSA.Create(2048);
    private X509Certificate2 certificate = null!;
    private BotServer metadata = null!;

    public override async Task InitializeAsync()
    {
        certificate = LoopbackCertificate();
        metadata = await BotServer.StartAsync(certificate);
        var publicKey = new RsaSecurityKey(signingKey.ExportParameters(false)) { KeyId = "key-1" };
        metadata.Respond = request => request.Path switch
        {
            "/v1/.well-known/openidconfiguration" => (200, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["issuer"] = BotFrameworkVerifier.Issuer,
                ["authorization_endpoint"] = "https://invalid.botframework.com",
                ["jwks_uri"] = metadata.Url("/keys").ToString(),
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            })),
            "/keys" => (200, JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = "RSA", use = "sig", kid = "key-1", n = Base64UrlEncoder.Encode(publicKey.Parameters.Modulus), e = Base64UrlEncoder.Encode(publicKey.Parameters.Exponent) } },
            })),
            BotConnectorTokens.TokenPath => (200, """{"token_type":"Bearer","expires_in":3600,"access_token":"bf-connector-token-media"}"""),
            AttachmentPath => (200, AttachmentBytes),
            _ => (404, null),
        };
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await metadata.DisposeAsync();
        certificate.Dispose();
        signingKey.Dispose();
    }

    // The metadata, token and attachment server is https with a self-signed certificate each of these clients is given to trust.
    protected override HttpClient CreateHttpClient() => Factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
    {
        foreach (var client in new[] { ApiServiceCollectionExtensions.BotFrameworkMetadataClient, ChannelApi.ClientName, ChannelMediaClient.ClientName })
        {
            services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString() },
            });
        }
    })).CreateClient();

    private const string AttachmentPath = "/v3/attachments/att-1/views/original";

    // The BotServer answers text; a JSON string stands in for the image's bytes.
    private const string AttachmentBytes = "\"an image of an identity card, as the connector serves it\"";

    [Fact]
    public async Task An_attachment_on_the_connector_host_is_read_with_the_connector_token_and_sealed_as_a_file()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, _) = await CreateChannelAsync("botframework", new { appId = BotAppId, appPassword = "bf-app-password-media" }, apiBaseUrl: metadata.BaseAddress.ToString());
        var contentUrl = metadata.Url(AttachmentPath).ToString();
        var body = Activity("act-media", "my id card").Replace("https://files.example.com/scan.png", contentUrl, StringComparison.Ordinal);

        using var accepted = await PostAsync(Http, path, body, "application/json", ("Authorization", "Bearer " + Token()));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await WaitForBotAsync(1);

        var field = JsonNode.Parse(Assert.Single(Bot.Requests).Body)!["attachments"]![0]!["contentUrl"]!;
        Assert.Equal("image/png", field["contentType"]!.GetValue<string>());
        Assert.Equal(contentUrl, await DecryptAsync(field["source"]));
        using var reveal = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = System.Net.Http.Json.JsonContent.Create(new { @ref = field["$shroud"]!.GetValue<string>() }) };
        reveal.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var revealed = await Http.SendAsync(reveal);
        Assert.Equal(AttachmentBytes, await revealed.Content.ReadAsStringAsync());
        Assert.Equal("Bearer bf-connector-token-media", metadata.Requests.Single(r => r.Path == AttachmentPath).Headers["Authorization"]);
    }

    private static string Activity(string id, string text) => $$$"""
        {"type":"message","id":"{{{id}}}","timestamp":"2026-12-01T10:00:00.000Z","serviceUrl":"https://smba.trafficmanager.net/teams/","channelId":"msteams",
         "from":{"id":"29:1abc","name":"Jane Doe","role":"user"},"conversation":{"id":"a:1xyz-conversation"},"recipient":{"id":"28:{{{BotAppId}}}","name":"bot"},
         "text":"{{{text}}}","attachments":[{"contentType":"image/png","contentUrl":"https://files.example.com/scan.png","name":"scan.png"}]}
        """;

    [Fact]
    public async Task Activity_with_a_valid_token_is_sealed_and_forwarded_and_a_bad_token_is_refused()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, forwardSecret) = await CreateChannelAsync("botframework", new { appId = BotAppId }, apiBaseUrl: metadata.BaseAddress.ToString());
        var body = Activity("act-0001", "my SSN is 078-05-1120");

        using var refused = await PostAsync(Http, path, body, "application/json", ("Authorization", "Bearer " + Token(audience: "someone-else")));
        using var missing = await PostAsync(Http, path, body, "application/json");
        using var stale = await PostAsync(Http, path, body, "application/json", ("Authorization", "Bearer " + Token(expires: Factory.Clock.GetUtcNow().AddMinutes(-6))));
        Assert.All(new[] { refused, missing, stale }, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(0, await CountRowsAsync("records"));

        using var accepted = await PostAsync(Http, path, body, "application/json", ("Authorization", "Bearer " + Token()));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await WaitForBotAsync(1);
        var delivered = Assert.Single(Bot.Requests);
        Assert.True(SignatureVerifies(delivered, forwardSecret));
        var activity = JsonNode.Parse(delivered.Body)!;
        Assert.Equal("my SSN is 078-05-1120", await DecryptAsync(activity["text"]));
        Assert.Equal("https://files.example.com/scan.png", await DecryptAsync(activity["attachments"]![0]!["contentUrl"]));
        Assert.Equal("image/png", activity["attachments"]![0]!["contentType"]!.GetValue<string>());
        Assert.Equal("a:1xyz-conversation", activity["conversation"]!["id"]!.GetValue<string>());
        Assert.Equal("act-0001", activity["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Activity_is_sealed_while_its_conversation_encrypts_and_passes_through_once_that_ended()
    {
        var configuration = await CreateConfigurationAsync("for one conversation", asDefault: false);
        var (_, path, _) = await CreateChannelAsync("botframework", new { appId = BotAppId }, apiBaseUrl: metadata.BaseAddress.ToString());
        var encryption = $"/api/apps/{App}/conversations/{Uri.EscapeDataString("a:1xyz-conversation")}/encryption";

        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Put, encryption, Key, new { configurationId = configuration })).Status);
        using (var sealedCall = await PostAsync(Http, path, Activity("act-1", "my PIN is 2468"), "application/json", ("Authorization", "Bearer " + Token())))
        {
            Assert.Equal(HttpStatusCode.OK, sealedCall.StatusCode);
        }

        await WaitForBotAsync(1);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, encryption, Key)).Status);
        using (var plainCall = await PostAsync(Http, path, Activity("act-2", "bye"), "application/json", ("Authorization", "Bearer " + Token())))
        {
            Assert.Equal(HttpStatusCode.OK, plainCall.StatusCode);
        }

        await WaitForBotAsync(2);
        var activities = Bot.Requests.Select(r => JsonNode.Parse(r.Body)!).ToList();
        Assert.Equal("my PIN is 2468", await DecryptAsync(activities[0]["text"]));
        Assert.Equal("bye", activities[1]["text"]!.GetValue<string>());
        Assert.Equal("https://files.example.com/scan.png", activities[1]["attachments"]![0]!["contentUrl"]!.GetValue<string>());
    }

    private string Token(string audience = BotAppId, DateTimeOffset? expires = null)
    {
        var end = expires ?? Factory.Clock.GetUtcNow().AddMinutes(60);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = BotFrameworkVerifier.Issuer,
            Audience = audience,
            IssuedAt = end.AddMinutes(-65).UtcDateTime,
            NotBefore = end.AddMinutes(-65).UtcDateTime,
            Expires = end.UtcDateTime,
            Claims = new Dictionary<string, object> { ["serviceurl"] = "https://smba.trafficmanager.net/teams/" },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signingKey) { KeyId = "key-1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static X509Certificate2 LoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
