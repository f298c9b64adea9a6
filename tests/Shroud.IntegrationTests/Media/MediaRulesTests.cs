using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Shroud.Core.Media;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Media;

/// <summary>What a media upload must be, and how a reveal answers: as a download, and with a problem rather than bytes when the file does not open.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MediaRulesTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt")
{
    private const string App = "media-rules-app";
    private const int Segment = SegmentedAead.DefaultSegmentSize;

    private BlobContainerClient Container => Azurite.CreateBlobService().GetBlobContainerClient(Factory.TablePrefix.ToLowerInvariant() + "media");

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> UploadAsync(HttpContent content, string? fileName = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        request.Headers.TransferEncodingChunked = chunked;
        if (fileName is not null)
        {
            request.Headers.Add("Shroud-File-Name", fileName);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private async Task<string> UploadBytesAsync(byte[] bytes, string contentType, string? fileName = null)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var (status, body, _) = await UploadAsync(content, fileName);
        Assert.True(status == HttpStatusCode.OK, $"upload answered {status}: {body?.ToJsonString()}");
        return body!["ref"]!.GetValue<string>();
    }

    private async Task<HttpResponseMessage> RevealAsync(string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return await Client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task An_empty_upload_is_a_400_and_leaves_no_blob_with_or_without_a_content_length()
    {
        foreach (var chunked in new[] { false, true })
        {
            var content = new StreamContent(new MemoryStream());
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            var problem = ShroudClient.AssertProblem(await UploadAsync(content, chunked: chunked), HttpStatusCode.BadRequest, "validation_failed");
            Assert.NotNull(problem["errors"]!["body"]);
        }

        Assert.Empty(await Rows.AllAsync(Factory.Table("records")));
        await foreach (var blob in Container.GetBlobsAsync())
        {
            Assert.Fail($"a blob was left: {blob.Name.Length} characters");
        }
    }

    [Fact]
    public async Task Form_uploads_are_415_saying_to_send_the_raw_bytes_with_their_own_type()
    {
        HttpContent[] forms =
        [
            new FormUrlEncodedContent([new("file", "bytes")]),
            new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "id.jpg" } },
        ];
        foreach (var form in forms)
        {
            var problem = ShroudClient.AssertProblem(await UploadAsync(form), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
            Assert.Contains("raw bytes", problem["detail"]!.GetValue<string>());
        }

        Assert.Empty(await Rows.AllAsync(Factory.Table("records")));
    }

    [Theory]
    [InlineData("text/html", "page.html")]
    [InlineData("image/svg+xml", null)]
    public async Task A_reveal_is_a_download_that_browsers_must_not_sniff_or_render(string contentType, string? fileName)
    {
        var html = "<html><script>alert(document.cookie)</script></html>"u8.ToArray();
        var reference = await UploadBytesAsync(html, contentType, fileName);

        using var response = await RevealAsync(reference);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(fileName, response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(html, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("first segment altered", 0)]
    [InlineData("header altered", -1)]
    public async Task A_file_whose_first_segment_fails_authentication_answers_the_generic_reference_problem_and_no_bytes(string because, int segment)
    {
        var reference = await UploadBytesAsync(RandomNumberGenerator.GetBytes((2 * Segment) + 10), "image/png");
        var blob = (await Rows.AllAsync(Factory.Table("records"))).Single().GetString("BlobName")!;
        var stored = (await Rows.BlobAsync(Container, blob))!;
        stored[segment < 0 ? 10 : SegmentedAead.HeaderSize + 100] ^= 1;
        await Rows.ReplaceBlobAsync(Container, blob, stored);

        using var response = await RevealAsync(reference);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {response.StatusCode}, {text.Length} characters");
        var problem = ShroudClient.AssertProblem((response.StatusCode, JsonNode.Parse(text), response), HttpStatusCode.BadRequest, "invalid_reference");
        Assert.Equal("ref is not a valid reference for this app.", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_file_whose_later_segment_fails_authentication_aborts_the_stream_after_the_good_segments()
    {
        var bytes = RandomNumberGenerator.GetBytes((3 * Segment) + 10);
        var reference = await UploadBytesAsync(bytes, "image/png");
        var blob = (await Rows.AllAsync(Factory.Table("records"))).Single().GetString("BlobName")!;
        var stored = (await Rows.BlobAsync(Container, blob))!;
        stored[SegmentedAead.HeaderSize + (2 * (Segment + 16)) + 5] ^= 1;
        await Rows.ReplaceBlobAsync(Container, blob, stored);

        using var response = await RevealAsync(reference);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<Exception>(() => body.CopyToAsync(received));
        Assert.True(received.Length <= 2 * Segment, $"{received.Length} bytes arrived");
        Assert.Equal(bytes.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
    }
}
