using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

/// <summary>Inputs are taken only in their one canonical form: references exactly as issued, JSON as JSON, TTLs of fixed length.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StrictInputTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "configure")
{
    private const string App = "strict-app";

    private async Task<string> SealAsync(string value = "jane@example.com") =>
        (await Client.EncryptAsync(App, Key, new { value }))["ref"]!.GetValue<string>();

    [Theory]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("\t")]
    [InlineData("\r\n")]
    public async Task A_reference_with_whitespace_inside_is_the_generic_reference_error_everywhere(string whitespace)
    {
        var reference = await SealAsync();
        var altered = reference.Insert(reference.Length / 2, whitespace);
        Assert.Equal("jane@example.com", (await Client.DecryptAsync(App, Key, new { @ref = reference }))["value"]!.GetValue<string>());

        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = altered }), HttpStatusCode.BadRequest, "invalid_reference");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { refs = new[] { reference, altered } }), HttpStatusCode.BadRequest, "invalid_reference");
        var sealedEvent = new JsonObject { ["id"] = "e1", ["text"] = new JsonObject { ["$shroud"] = altered, ["redacted"] = "★★★★★" } };
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/events/reveal", Key, sealedEvent.ToJsonString()), HttpStatusCode.BadRequest, "invalid_reference");
    }

    public static TheoryData<string, string> JsonRoutes() => new()
    {
        { "POST", "/api/apps" },
        { "POST", $"/api/apps/{App}/keys" },
        { "PATCH", $"/api/apps/{App}" },
        { "POST", $"/api/apps/{App}/encrypt" },
        { "POST", $"/api/apps/{App}/decrypt" },
        { "POST", $"/api/apps/{App}/configurations" },
        { "PUT", $"/api/apps/{App}/configurations/0123456789abcdef" },
        { "PUT", $"/api/apps/{App}/conversations/c-1/encryption" },
        { "POST", $"/api/apps/{App}/events" },
        { "POST", $"/api/apps/{App}/events/reveal" },
        { "POST", $"/api/apps/{App}/media/reveal" },
    };

    [Theory]
    [MemberData(nameof(JsonRoutes))]
    public async Task Json_routes_refuse_every_other_content_type_with_415(string method, string path)
    {
        var key = path == "/api/apps" || path.EndsWith("/keys", StringComparison.Ordinal) ? ShroudFactory.BootstrapKey : Key;
        foreach (var contentType in new[] { "application/jsonp", "application/json; charset=utf-16", "application/json; charset=iso-8859-1", "application/json; profile=x", "text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json-patch+json" })
        {
            var problem = ShroudClient.AssertProblem(await SendAsync(method, path, key, "{}", contentType), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
            Assert.Contains("application/json", problem["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Json_routes_take_application_json_with_or_without_a_utf8_charset_or_no_content_type()
    {
        foreach (var contentType in new[] { "application/json", "application/json; charset=utf-8", "Application/JSON; Charset=\"UTF-8\"", null })
        {
            var (status, body, _) = await SendAsync("POST", $"/api/apps/{App}/encrypt", Key, """{ "value": "x" }""", contentType);
            Assert.True(status == HttpStatusCode.OK, $"{contentType ?? "no Content-Type"}: {status} {body?.ToJsonString()}");
        }
    }

    public static TheoryData<string, double> FixedLengthTtls() => new()
    {
        { "PT90M", 90 * 60 },
        { "P1DT2H", 26 * 3600 },
        { "P1W", 7 * 86400 },
        { "PT36H", 36 * 3600 },
    };

    [Theory]
    [MemberData(nameof(FixedLengthTtls))]
    public async Task Ttl_takes_every_iso_8601_duration_of_fixed_length(string ttl, double seconds)
    {
        var expected = Factory.Clock.GetUtcNow().AddSeconds(seconds);

        Assert.Equal(expected, (await Client.EncryptAsync(App, Key, new { value = "x", ttl }))["expiresAt"]!.GetValue<DateTimeOffset>());
        var (status, configuration, _) = await Client.PostAsync($"/api/apps/{App}/configurations", Key, new { name = "ttl " + ttl, ttl });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(TimeSpan.FromSeconds(seconds), System.Xml.XmlConvert.ToTimeSpan(configuration!["ttl"]!.GetValue<string>()));
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent([1, 2, 3]) };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        upload.Headers.Add("Shroud-Ttl", ttl);
        var media = JsonNode.Parse(await (await Client.Http.SendAsync(upload)).Content.ReadAsStringAsync())!;
        Assert.Equal(expected, media["expiresAt"]!.GetValue<DateTimeOffset>());
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("P0Y1D")]
    public async Task Ttl_in_months_or_years_is_refused_saying_why(string ttl)
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/encrypt", Key, new { value = "x", ttl }), HttpStatusCode.BadRequest, "validation_failed");

        Assert.Contains("calendar", problem["errors"]!["ttl"]![0]!.GetValue<string>());
        var configuration = ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/configurations", Key, new { name = "months", ttl }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("calendar", configuration["errors"]!["ttl"]![0]!.GetValue<string>());
    }

    private async Task<(HttpStatusCode, JsonNode?, HttpResponseMessage)> SendAsync(string method, string path, string key, string body, string? contentType)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }
}
