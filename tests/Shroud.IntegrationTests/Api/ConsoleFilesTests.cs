using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Api;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

/// <summary>The admin console's static files: the right types, a strict policy on every answer, nothing outside them.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConsoleFilesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ShroudFactory factory = null!;
    private HttpClient http = null!;

    public Task InitializeAsync()
    {
        factory = new ShroudFactory(azurite);
        http = factory.CreateClient(new() { AllowAutoRedirect = false });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Theory]
    [InlineData("/api/console/", "text/html")]
    [InlineData("/api/console/index.html", "text/html")]
    [InlineData("/api/console/console.js", "text/javascript")]
    [InlineData("/api/console/console.css", "text/css")]
    [InlineData("/api/console/icon.svg", "image/svg+xml")]
    public async Task Each_file_is_served_with_its_type_the_security_headers_and_no_store(string path, string mediaType)
    {
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        ConsoleAnswers.AssertSecurityHeaders(response);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Every_embedded_file_is_served_and_every_script_and_style_is_a_file_of_its_own()
    {
        var names = factory.Services.GetRequiredService<ConsoleApi>().FileNames.ToList();
        Assert.Contains("index.html", names);
        Assert.Contains(names, n => n.EndsWith(".js", StringComparison.Ordinal));
        foreach (var name in names)
        {
            using var response = await http.GetAsync($"/api/console/{name}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name} answered {response.StatusCode}");
            if (name.EndsWith(".js", StringComparison.Ordinal))
            {
                // Module scripts run only when served with a JavaScript type.
                Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
            }
        }

        // The policy allows no inline script or style, so the page must hold none.
        var index = await http.GetStringAsync("/api/console/");
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", index);
        Assert.DoesNotContain("<style", index, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"\sstyle=|\son[a-z]+=", index);
    }

    [Fact]
    public async Task The_console_without_its_slash_redirects_to_it_so_relative_links_resolve()
    {
        using var response = await http.GetAsync("/api/console");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("http://localhost/api/console/", new Uri(new Uri("http://localhost/api/console"), response.Headers.Location!).ToString());
    }

    [Theory]
    [InlineData("/api/console/nothing.js")]
    [InlineData("/api/console/Index.html")]
    [InlineData("/api/console/index.html/")]
    [InlineData("/api/console/..%2Fhealth")]
    [InlineData("/api/console/..%2F..%2Fappsettings.json")]
    [InlineData("/api/console/%2e%2e/%2e%2e/Shroud.Api.dll")]
    [InlineData("/api/console/..%5C..%5Cappsettings.json")]
    [InlineData("/api/console/%2Fetc%2Fpasswd")]
    [InlineData("/api/console//etc/passwd")]
    [InlineData("/api/console/console/index.html")]
    public async Task An_unknown_file_or_a_path_that_leaves_the_console_is_a_404_problem(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("not_found", body["code"]!.GetValue<string>());
        Assert.True(response.Headers.CacheControl!.NoStore);
    }

    [Fact]
    public async Task Only_get_is_answered()
    {
        using var response = await http.PostAsync("/api/console/index.html", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}

/// <summary>What every console answer carries, on both hosts.</summary>
public static class ConsoleAnswers
{
    /// <summary>The console's security headers.</summary>
    public static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(ConsoleApi.ContentSecurityPolicy, policy);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }
}
