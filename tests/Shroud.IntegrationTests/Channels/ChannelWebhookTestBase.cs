using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// What the webhook tests share: a host allowed to forward to loopback, an app with a key, a bot on loopback, and the
/// channel-side and bot-side signatures computed as each side's documentation describes.
/// </summary>
public abstract class ChannelWebhookTestBase(AzuriteFixture azurite, IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected AzuriteFixture Azurite { get; } = azurite;

    protected const string App = "webhook-app";

    protected ShroudFactory Factory { get; } = new(azurite, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
    {
        ["Channels:AllowForwardTo"] = "127.0.0.0/8,::1",
    });

    protected ShroudClient Client { get; private set; } = null!;

    protected HttpClient Http => Client.Http;

    protected string Key { get; private set; } = null!;

    protected BotServer Bot { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Bot = await BotServer.StartAsync();
        Client = new ShroudClient(CreateHttpClient());
        Key = await Client.CreateAppWithKeyAsync(App, "configure", "encrypt", "decrypt");
    }

    public virtual async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Bot.DisposeAsync();
    }

    protected virtual HttpClient CreateHttpClient() => Factory.CreateClient();

    /// <summary>Creates a channel forwarding to the bot; returns its id, webhook path and forward secret.</summary>
    protected async Task<(string Id, string Path, string ForwardSecret)> CreateChannelAsync(string type, object secrets, string? publicUrl = null, string? apiBaseUrl = null)
    {
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/channels", Key, new
        {
            type,
            name = $"{type} channel",
            secrets,
            forwardUrl = Bot.Url("/hooks/" + type).ToString(),
            publicUrl,
            apiBaseUrl,
        });
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return (body!["id"]!.GetValue<string>(), body["webhookPath"]!.GetValue<string>(), body["forwardSecret"]!.GetValue<string>());
    }

    /// <summary>Makes a configuration sealing media and (unless <paramref name="messages"/> is false) messages, and the app's default when asked.</summary>
    protected async Task<string> CreateConfigurationAsync(string name, bool asDefault, bool messages = true)
    {
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/configurations", Key, new
        {
            name,
            encryptUserMessages = messages,
            encryptBotMessages = messages,
            encryptAgentMessages = messages,
            encryptMedia = true,
        });
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        var id = body!["id"]!.GetValue<string>();
        if (asDefault)
        {
            Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Patch, $"/api/apps/{App}", Key, new { defaultConfigurationId = id })).Status);
        }

        return id;
    }

    protected static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body, string contentType, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await http.SendAsync(request);
    }

    /// <summary>Slack: <c>v0=</c> hex HMAC-SHA256 of <c>v0:{timestamp}:{body}</c> with the signing secret.</summary>
    protected static (string Name, string Value)[] SlackHeaders(string secret, long timestamp, string body) =>
    [
        ("X-Slack-Request-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}")))),
    ];

    /// <summary>WhatsApp: <c>sha256=</c> hex HMAC-SHA256 of the raw body with the app secret.</summary>
    protected static (string Name, string Value)[] WhatsAppHeaders(string appSecret, string body) =>
        [("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(body))))];

    /// <summary>Twilio: base64 HMAC-SHA1 of the URL followed by the sorted parameters' names and values.</summary>
    protected static (string Name, string Value)[] TwilioHeaders(string authToken, string url, IEnumerable<(string Name, string Value)> parameters)
    {
        var text = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            text.Append(name).Append(value);
        }

        return [("X-Twilio-Signature", Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(text.ToString()))))];
    }

    protected static string Form(IEnumerable<(string Name, string Value)> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));

    /// <summary>Checks <c>Shroud-Signature</c> as a bot does: <c>t=…,v1=</c> hex HMAC-SHA256 of <c>{t}.{body}</c> with the forward secret.</summary>
    protected static bool SignatureVerifies(BotRequest request, string forwardSecret)
    {
        if (!request.Headers.TryGetValue("Shroud-Signature", out var header))
        {
            return false;
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1))
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(t + ".").Concat(request.Body).ToArray();
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(forwardSecret), signed);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(v1));
    }

    protected async Task<string> DecryptAsync(JsonNode? sealedField)
    {
        var reference = sealedField!["$shroud"]!.GetValue<string>();
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference });
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        return body!["value"]!.GetValue<string>();
    }

    protected static bool IsSealed(JsonNode? node) => node is JsonObject o && o["$shroud"] is not null && o["redacted"] is not null;

    /// <summary>Waits (polling, bounded) until <paramref name="condition"/> holds; fails with <paramref name="what"/> otherwise.</summary>
    protected static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    protected Task WaitForBotAsync(int requests, int seconds = 30) =>
        WaitForAsync(() => Task.FromResult(Bot.Requests.Count >= requests), $"{requests} requests at the bot", seconds);

    /// <summary>Rows of this host's <c>{prefix}{table}</c> whose row key starts with <paramref name="rowPrefix"/>.</summary>
    protected async Task<int> CountRowsAsync(string table, Func<TableEntity, bool>? where = null)
    {
        var count = 0;
        await foreach (var row in Factory.Table(table).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            count += where is null || where(row) ? 1 : 0;
        }

        return count;
    }

    protected Task<int> PayloadRowsAsync() => CountRowsAsync("records", r => r.RowKey.StartsWith("d.", StringComparison.Ordinal));

    protected long Now => Factory.Clock.GetUtcNow().ToUnixTimeSeconds();
}
