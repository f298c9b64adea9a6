using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

[Collection(AzuriteCollection.Name)]
public sealed class ConfigurationsTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "configure", "encrypt", "decrypt")
{
    private const string App = "config-app";
    private const string Base = $"/api/apps/{App}/configurations";

    private static object Body(string name, string? ttl = "PT2H") => new
    {
        name,
        encryptUserMessages = true,
        encryptBotMessages = false,
        encryptAgentMessages = true,
        transport = true,
        transcript = false,
        encryptMedia = true,
        sensitiveVariables = new[] { "email", "ssn" },
        ttl,
    };

    private async Task<(string Id, string ETag)> CreateAsync(string name)
    {
        var (status, body, response) = await Client.PostAsync(Base, Key, Body(name));
        Assert.Equal(HttpStatusCode.Created, status);
        return (body!["id"]!.GetValue<string>(), response.Headers.ETag!.ToString());
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> MergePatchAsync(string id, string patch, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Base}/{id}") { Content = new StringContent(patch) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    [Fact]
    public async Task Merge_patch_changes_only_the_fields_it_names_and_null_resets_a_field()
    {
        var (id, etag) = await CreateAsync("Patched");

        var (status, patched, response) = await MergePatchAsync(id, """{ "transcript": true, "ttl": null, "sensitiveVariables": ["email"] }""", etag);

        Assert.True(status == HttpStatusCode.OK, patched?.ToJsonString());
        Assert.NotEqual(etag, response.Headers.ETag!.ToString());
        Assert.True(patched!["transcript"]!.GetValue<bool>());
        Assert.Null(patched["ttl"]);
        Assert.Equal(["email"], patched["sensitiveVariables"]!.AsArray().Select(v => v!.GetValue<string>()));

        // Everything the patch did not name is as it was created.
        Assert.Equal("Patched", patched["name"]!.GetValue<string>());
        Assert.True(patched["encryptUserMessages"]!.GetValue<bool>());
        Assert.True(patched["encryptAgentMessages"]!.GetValue<bool>());
        Assert.True(patched["transport"]!.GetValue<bool>());
        Assert.True(patched["encryptMedia"]!.GetValue<bool>());
        Assert.Equal(patched.ToJsonString(), (await SendAsync(HttpMethod.Get, $"{Base}/{id}")).Body!.ToJsonString());
    }

    [Fact]
    public async Task Merge_patch_honours_if_match_and_validates_the_result()
    {
        var (id, etag) = await CreateAsync("Guarded");
        Assert.Equal(HttpStatusCode.OK, (await MergePatchAsync(id, """{ "encryptBotMessages": true }""", etag)).Status);

        ShroudClient.AssertProblem(await MergePatchAsync(id, """{ "transport": false }""", etag), HttpStatusCode.PreconditionFailed, "precondition_failed");
        ShroudClient.AssertProblem(await MergePatchAsync(id, """{ "name": null }"""), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await MergePatchAsync(id, """{ "colour": "red" }"""), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await MergePatchAsync(id, """{ "transcript": "yes" }"""), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await MergePatchAsync(id, "[]"), HttpStatusCode.BadRequest, "invalid_json");
        ShroudClient.AssertProblem(await MergePatchAsync("0123456789abcdef", """{ "transcript": true }"""), HttpStatusCode.NotFound, "configuration_not_found");
        Assert.False((await SendAsync(HttpMethod.Get, $"{Base}/{id}")).Body!["transcript"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Created_configuration_is_read_back_listed_and_carries_an_etag()
    {
        var (status, created, response) = await Client.PostAsync(Base, Key, Body("Support chats"));

        Assert.Equal(HttpStatusCode.Created, status);
        var id = created!["id"]!.GetValue<string>();
        Assert.Equal($"{Base}/{id}", response.Headers.Location!.ToString());
        Assert.Equal("PT2H", created["ttl"]!.GetValue<string>());
        Assert.Equal(["email", "ssn"], created["sensitiveVariables"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.True(created["transport"]!.GetValue<bool>());

        var read = await SendAsync(HttpMethod.Get, $"{Base}/{id}");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(response.Headers.ETag, read.Response.Headers.ETag);
        Assert.Equal(created.ToJsonString(), read.Body!.ToJsonString());

        var list = await SendAsync(HttpMethod.Get, Base);
        Assert.Equal(id, Assert.Single(list.Body!["items"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\": \"  \"}", "name")]
    [InlineData("{\"name\": \"n\", \"ttl\": \"soon\"}", "ttl")]
    [InlineData("{\"name\": \"n\", \"ttl\": \"P30D\"}", "ttl")]
    [InlineData("{\"name\": \"n\", \"sensitiveVariables\": [\"a\", \"\"]}", "sensitiveVariables[1]")]
    [InlineData("{\"name\": \"n\", \"transport\": \"yes\"}", "transport")]
    [InlineData("{\"name\": \"n\", \"encryptEverything\": true}", "encryptEverything")]
    public async Task Validation_errors_name_the_field(string body, string field)
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync(Base, Key, body), HttpStatusCode.BadRequest, "validation_failed");

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Names_are_unique_per_app_whatever_their_case()
    {
        var (id, _) = await CreateAsync("Agents");
        var (otherId, _) = await CreateAsync("Bots");

        ShroudClient.AssertProblem(await Client.PostAsync(Base, Key, Body("agents")), HttpStatusCode.Conflict, "configuration_name_taken");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Put, $"{Base}/{otherId}", Body("AGENTS")), HttpStatusCode.Conflict, "configuration_name_taken");

        // A rename frees the old name.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, $"{Base}/{id}", Body("Humans"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync(Base, Key, Body("agents"))).Status);
    }

    [Fact]
    public async Task Put_and_delete_honour_if_match()
    {
        var (id, etag) = await CreateAsync("Guarded");

        var updated = await SendAsync(HttpMethod.Put, $"{Base}/{id}", Body("Guarded", "PT5M"), etag);
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("PT5M", updated.Body!["ttl"]!.GetValue<string>());
        var newETag = updated.Response.Headers.ETag!.ToString();
        Assert.NotEqual(etag, newETag);

        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Put, $"{Base}/{id}", Body("Guarded"), etag), HttpStatusCode.PreconditionFailed, "precondition_failed");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Delete, $"{Base}/{id}", ifMatch: etag), HttpStatusCode.PreconditionFailed, "precondition_failed");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Delete, $"{Base}/{id}", ifMatch: "\"garbage\""), HttpStatusCode.PreconditionFailed, "precondition_failed");

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/{id}", ifMatch: newETag)).Status);
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Get, $"{Base}/{id}"), HttpStatusCode.NotFound, "configuration_not_found");
    }

    [Fact]
    public async Task Concurrent_updates_with_the_same_etag_let_exactly_one_win()
    {
        var (id, etag) = await CreateAsync("Raced");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => SendAsync(HttpMethod.Put, $"{Base}/{id}", Body("Raced", $"PT{i + 1}M"), etag)));

        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(5, results.Count(r => r.Status == HttpStatusCode.PreconditionFailed));
    }

    [Fact]
    public async Task The_default_configuration_cannot_be_deleted_until_the_default_changes()
    {
        var (id, _) = await CreateAsync("Default");
        var patched = await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { defaultConfigurationId = id });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(id, patched.Body!["defaultConfigurationId"]!.GetValue<string>());

        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Delete, $"{Base}/{id}"), HttpStatusCode.Conflict, "configuration_in_use");

        var cleared = await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { defaultConfigurationId = (string?)null });
        Assert.Null(cleared.Body!["defaultConfigurationId"]);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/{id}")).Status);
    }

    [Fact]
    public async Task App_settings_change_the_default_and_the_redaction_text()
    {
        var app = await SendAsync(HttpMethod.Get, $"/api/apps/{App}");
        Assert.Equal(HttpStatusCode.OK, app.Status);
        Assert.Equal("★★★★★", app.Body!["redactionText"]!.GetValue<string>());
        Assert.Null(app.Body["defaultConfigurationId"]);

        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { defaultConfigurationId = "0123456789abcdef" }), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { redactionText = "" }), HttpStatusCode.BadRequest, "validation_failed");
        var etag = app.Response.Headers.ETag!.ToString();
        var patched = await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { redactionText = "[hidden]" }, etag);
        Assert.Equal("[hidden]", patched.Body!["redactionText"]!.GetValue<string>());
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Patch, $"/api/apps/{App}", new { redactionText = "x" }, etag), HttpStatusCode.PreconditionFailed, "precondition_failed");

        var sealedValue = await Client.EncryptAsync(App, Key, new { value = "secret", ttl = "PT1M" });
        Assert.Equal("[hidden]", sealedValue["redacted"]!.GetValue<string>());
        Factory.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("[hidden]", (await Client.DecryptAsync(App, Key, new { @ref = sealedValue["ref"]!.GetValue<string>() }))["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Configuration_calls_need_the_configure_permission()
    {
        var encryptOnly = await Client.CreateKeyAsync(App, "encrypt", "decrypt");

        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, Base, encryptOnly), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync(Base, encryptOnly, Body("x")), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}", encryptOnly), HttpStatusCode.Forbidden, "forbidden");
    }
}
