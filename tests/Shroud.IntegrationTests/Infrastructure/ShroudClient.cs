using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Calls the API over HTTP the way a bot runtime would, returning the raw status and JSON.</summary>
public sealed class ShroudClient(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? key, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(string path, string? key, object? body) =>
        SendAsync(HttpMethod.Post, path, key, body);

    /// <summary>Creates an app with the bootstrap key and returns a key for it with the given permissions.</summary>
    public async Task<string> CreateAppWithKeyAsync(string appId, params string[] permissions)
    {
        var (status, _, _) = await PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = appId });
        Assert.Equal(HttpStatusCode.Created, status);
        return await CreateKeyAsync(appId, permissions);
    }

    public async Task<string> CreateKeyAsync(string appId, params string[] permissions)
    {
        var (status, body, _) = await PostAsync($"/api/apps/{appId}/keys", ShroudFactory.BootstrapKey, new { name = "test", permissions });
        Assert.Equal(HttpStatusCode.Created, status);
        return body!["key"]!.GetValue<string>();
    }

    public async Task<JsonNode> EncryptAsync(string appId, string key, object body)
    {
        var (status, json, _) = await PostAsync($"/api/apps/{appId}/encrypt", key, body);
        Assert.True(status == HttpStatusCode.OK, $"encrypt answered {status}: {json?.ToJsonString()}");
        return json!;
    }

    public async Task<JsonNode> DecryptAsync(string appId, string key, object body)
    {
        var (status, json, _) = await PostAsync($"/api/apps/{appId}/decrypt", key, body);
        Assert.True(status == HttpStatusCode.OK, $"decrypt answered {status}: {json?.ToJsonString()}");
        return json!;
    }

    /// <summary>Asserts a problem response: status, stable code, problem content type, no stack trace.</summary>
    public static JsonNode AssertProblem((HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response) result, HttpStatusCode status, string code)
    {
        Assert.Equal(status, result.Status);
        Assert.Equal("application/problem+json", result.Response.Content.Headers.ContentType?.MediaType);
        var body = result.Body!;
        Assert.Equal(code, body["code"]!.GetValue<string>());
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        var text = body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        Assert.DoesNotMatch(@"\bat [\w.`<>]+\(", text);
        Assert.DoesNotContain("Exception", text);
        return body;
    }
}
