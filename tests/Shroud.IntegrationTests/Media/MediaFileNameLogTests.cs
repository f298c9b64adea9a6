using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Media;

/// <summary>The file name of a media upload is sealed: no log entry of any category or level carries it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MediaFileNameLogTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string App = "media-log-app";
    private const string FileName = "passport of jane doe ñ.jpg";
    private readonly ShroudFactory factory = new(azurite);
    private readonly LogCapture logs = new();
    private WebApplicationFactory<Program> host = null!;
    private ShroudClient client = null!;

    public Task InitializeAsync()
    {
        host = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(logs);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        })));
        client = new ShroudClient(host.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task The_file_name_reaches_no_log_at_any_level()
    {
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var reference = await UploadAsync(key, HttpStatusCode.OK);
        using (var revealed = await RevealAsync(key, reference!))
        {
            Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
            Assert.Equal(FileName, revealed.Content.Headers.ContentDisposition!.FileNameStar);
            await revealed.Content.ReadAsByteArrayAsync();
        }

        // A reveal whose response is dropped before its body is read, and uploads that are refused.
        (await RevealAsync(key, reference!, HttpCompletionOption.ResponseHeadersRead)).Dispose();
        await UploadAsync(key, HttpStatusCode.BadRequest, ttl: "not a duration");
        await UploadAsync(await client.CreateKeyAsync(App, "decrypt"), HttpStatusCode.Forbidden);

        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, e => e.Contains("passport", StringComparison.OrdinalIgnoreCase) || e.Contains("jane", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<string?> UploadAsync(string key, HttpStatusCode expected, string ttl = "PT1H")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(RandomNumberGenerator.GetBytes(2000)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Add("Shroud-File-Name", Uri.EscapeDataString(FileName));
        request.Headers.Add("Shroud-Ttl", ttl);
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        return expected == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["ref"]!.GetValue<string>() : null;
    }

    private Task<HttpResponseMessage> RevealAsync(string key, string reference, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client.Http.SendAsync(request, completion);
    }
}
