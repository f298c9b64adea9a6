using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

/// <summary>What every answer has in common: never cached, one error vocabulary, JSON escaped only where JSON requires it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ResponseConventionsTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "admin")
{
    private const string App = "conventions-app";

    [Fact]
    public async Task Every_answer_holding_a_reference_a_key_or_plaintext_says_no_store()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "jane@example.com" }))["ref"]!.GetValue<string>();
        var sealedEvent = """{ "id": "e1", "conversationId": "c1", "type": "message", "user": { "type": "user" }, "threadMode": "bot", "sensitive": true, "text": "jane@example.com" }""";
        var sealedEvents = (await Client.PostAsync($"/api/apps/{App}/events", Key, sealedEvent)).Body!.ToJsonString();
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent([1, 2, 3]) };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var uploaded = await Client.Http.SendAsync(upload);
        var mediaReference = (await uploaded.Content.ReadFromJsonAsync<MediaAnswer>())!.Ref;
        using var reveal = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = mediaReference }) };
        reveal.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["create key"] = (await Client.PostAsync($"/api/apps/{App}/keys", ShroudFactory.BootstrapKey, new { name = "k", permissions = new[] { "encrypt" } })).Response,
            ["encrypt"] = (await Client.PostAsync($"/api/apps/{App}/encrypt", Key, new { value = "x" })).Response,
            ["encrypt batch"] = (await Client.PostAsync($"/api/apps/{App}/encrypt", Key, new { items = new[] { new { value = "x" } } })).Response,
            ["decrypt"] = (await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference })).Response,
            ["decrypt batch"] = (await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { refs = new[] { reference } })).Response,
            ["events"] = (await Client.PostAsync($"/api/apps/{App}/events", Key, sealedEvent)).Response,
            ["events reveal"] = (await Client.PostAsync($"/api/apps/{App}/events/reveal", Key, sealedEvents)).Response,
            ["media"] = uploaded,
            ["media reveal"] = await Client.Http.SendAsync(reveal),
            ["a problem"] = (await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = "shr1.nope" })).Response,
        };

        foreach (var (name, answer) in answers)
        {
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.IsSuccessStatusCode || name == "a problem", $"{name} answered {answer.StatusCode}: {body}");
            Assert.True(answer.Headers.CacheControl?.NoStore == true, $"{name} answered Cache-Control: {answer.Headers.CacheControl}");
        }
    }

    [Theory]
    [InlineData("GET", "/api/nothing-here")]
    [InlineData("POST", "/api/apps/conventions-app/nothing")]
    [InlineData("GET", "/")]
    public async Task Unknown_routes_answer_a_404_not_found_problem(string method, string path)
    {
        var answer = await Client.SendAsync(new HttpMethod(method), path, Key);

        ShroudClient.AssertProblem(answer, HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("DELETE", "/api/apps", "GET, POST")]
    [InlineData("GET", "/api/apps/conventions-app/encrypt", "POST")]
    [InlineData("POST", "/api/health", "GET, HEAD")]
    public async Task Wrong_methods_answer_a_405_method_not_allowed_problem_with_allow(string method, string path, string allowed)
    {
        var answer = await Client.SendAsync(new HttpMethod(method), path, Key);

        ShroudClient.AssertProblem(answer, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(allowed.Split(", "), answer.Response.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Head_on_health_answers_200_as_get_does()
    {
        using var answer = await Client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/health"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Json_answers_escape_only_what_json_requires()
    {
        const string passedThrough = """{ "id": "e1", "conversationId": "c1", "type": "lifecycle", "user": { "type": "user", "id": "wa:+15550100" }, "threadMode": "bot", "note": "O'Brien <b>&</b> \"quoted\" café ★ Ж" }""";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/events") { Content = new StringContent(passedThrough, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var answer = await Client.Http.SendAsync(request);
        var text = await answer.Content.ReadAsStringAsync();

        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("\"wa:+15550100\"", text);
        Assert.Contains("""O'Brien <b>&</b> \"quoted\" café ★ Ж""", text);
        Assert.DoesNotContain("\\u", text);

        var problem = await Client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/apps/{App}") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } });
        var problemText = await problem.Content.ReadAsStringAsync();
        Assert.Contains("'configure'", problemText);
        Assert.DoesNotContain("\\u", problemText);
    }

    private sealed record MediaAnswer(string Ref);
}
