using System.Net;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

[Collection(AzuriteCollection.Name)]
public sealed class RequestValidationTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt")
{
    private const string App = "validation-app";

    public static TheoryData<string, string, int, string, string?> BadEncryptBodies() => new()
    {
        { "malformed JSON", "{\"value\": ", 400, "invalid_json", null },
        { "not an object", "[1,2]", 400, "invalid_json", null },
        { "empty body", "", 400, "invalid_json", null },
        { "missing value", "{}", 400, "validation_failed", "value" },
        { "value of the wrong type", "{\"value\": 42}", 400, "validation_failed", "value" },
        { "unknown field", "{\"value\": \"x\", \"tll\": \"PT1H\"}", 400, "validation_failed", "tll" },
        { "ttl not a duration", "{\"value\": \"x\", \"ttl\": \"1 hour\"}", 400, "validation_failed", "ttl" },
        { "ttl below one second", "{\"value\": \"x\", \"ttl\": \"PT0S\"}", 400, "validation_failed", "ttl" },
        { "ttl over the maximum", "{\"value\": \"x\", \"ttl\": \"P8D\"}", 400, "validation_failed", "ttl" },
        { "negative ttl", "{\"value\": \"x\", \"ttl\": \"-PT1H\"}", 400, "validation_failed", "ttl" },
        { "batch item missing value", "{\"items\": [{\"value\": \"a\"}, {}]}", 400, "validation_failed", "items[1].value" },
        { "batch item wrong ttl", "{\"items\": [{\"value\": \"a\", \"ttl\": 5}]}", 400, "validation_failed", "items[0].ttl" },
        { "empty batch", "{\"items\": []}", 400, "validation_failed", "items" },
        { "value and items together", "{\"value\": \"a\", \"items\": [{\"value\": \"b\"}]}", 400, "validation_failed", "items" },
    };

    [Theory]
    [MemberData(nameof(BadEncryptBodies))]
    public async Task Bad_encrypt_input_is_a_problem_naming_the_field(string because, string body, int status, string code, string? field)
    {
        var result = await Client.PostAsync($"/api/apps/{App}/encrypt", Key, body);

        var problem = ShroudClient.AssertProblem(result, (HttpStatusCode)status, code);
        if (field is not null)
        {
            Assert.True(problem["errors"]?[field] is not null, $"{because}: expected errors.{field} in {problem.ToJsonString()}");
        }
    }

    public static TheoryData<string, string> UnpairedSurrogates() => new()
    {
        { "encrypt", """{ "value": "a\ud800b" }""" },
        { "decrypt", """{ "ref": "shr1.\udc00" }""" },
        { "events", """{ "id": "1", "conversationId": "c", "type": "message", "user": { "type": "user" }, "threadMode": "bot", "sensitive": true, "text": "a\ud800b" }""" },
        { "events", """{ "id": "1", "conversationId": "c", "type": "variable", "user": { "type": "user" }, "threadMode": "bot", "variables": { "card\ud800": "4111" } }""" },
        { "events", """[{ "id": "1", "conversationId": "c", "type": "http", "user": { "type": "user" }, "threadMode": "bot", "sensitive": true, "payload": { "k": ["\udc00"] } }]""" },
        { "events/reveal", """{ "id": "1", "conversationId": "c", "type": "message", "user": { "type": "user" }, "threadMode": "bot", "text": "\ud83d" }""" },
    };

    [Theory]
    [MemberData(nameof(UnpairedSurrogates))]
    public async Task A_string_that_is_not_valid_unicode_is_invalid_json_wherever_it_hides(string endpoint, string body)
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/{endpoint}", Key, body), HttpStatusCode.BadRequest, "invalid_json");

        Assert.Contains("surrogate", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Value_over_the_size_limit_is_413_and_states_the_limit()
    {
        var problem = ShroudClient.AssertProblem(
            await Client.PostAsync($"/api/apps/{App}/encrypt", Key, new { value = new string('x', 60 * 1024 + 1) }),
            HttpStatusCode.RequestEntityTooLarge,
            "value_too_large");

        Assert.Contains("61440 bytes", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_over_100_items_is_rejected()
    {
        var items = Enumerable.Range(0, 101).Select(i => new { value = "v" });

        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/encrypt", Key, new { items }), HttpStatusCode.BadRequest, "batch_too_large");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { refs = items.Select(_ => "shr1.x") }), HttpStatusCode.BadRequest, "batch_too_large");
    }

    [Theory]
    [InlineData("not a reference")]
    [InlineData("shr1.")]
    [InlineData("shr1.AAAA")]
    [InlineData("")]
    public async Task Malformed_reference_is_the_generic_reference_error(string reference)
    {
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference }), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task Missing_ref_names_the_field()
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, "{}"), HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["ref"]);
    }

    [Fact]
    public async Task Calls_without_a_valid_key_are_401()
    {
        var path = $"/api/apps/{App}/encrypt";
        var body = new { value = "x" };

        ShroudClient.AssertProblem(await Client.PostAsync(path, null, body), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await Client.PostAsync(path, "garbage", body), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await Client.PostAsync(path, "shk_0123456789abcdef" + new string('A', 43), body), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await Client.PostAsync(path, Key[..^1] + (Key[^1] == 'A' ? 'B' : 'A'), body), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_key_without_the_permission_is_403()
    {
        var encryptOnly = await Client.CreateKeyAsync(App, "encrypt");
        var reference = (await Client.EncryptAsync(App, encryptOnly, new { value = "x" }))["ref"]!.GetValue<string>();

        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", encryptOnly, new { @ref = reference }), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/encrypt", await Client.CreateKeyAsync(App, "decrypt"), new { value = "x" }), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/encrypt", ShroudFactory.BootstrapKey, new { value = "x" }), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Unknown_app_is_404_for_the_bootstrap_admin_and_401_for_app_keys()
    {
        ShroudClient.AssertProblem(await Client.PostAsync("/api/apps/no-such-app/keys", ShroudFactory.BootstrapKey, new { name = "k", permissions = new[] { "encrypt" } }), HttpStatusCode.NotFound, "app_not_found");
        ShroudClient.AssertProblem(await Client.PostAsync("/api/apps/no-such-app/encrypt", Key, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
    }
}
