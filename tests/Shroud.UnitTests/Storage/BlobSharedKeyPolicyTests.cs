using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class BlobSharedKeyPolicyTests
{
    private static readonly byte[] Key = Convert.FromBase64String(StorageConnectionString.DevelopmentStorageAccountKey);

    private const string Date = "Sat, 21 Nov 2026 14:00:00 GMT";

    [Fact]
    public void String_to_sign_matches_the_documented_example()
    {
        // The example of "Authorize with Shared Key" (Blob, Queue and File services), version 2015-02-21.
        var policy = new BlobSharedKeyPolicy("myaccount", Key);
        var uri = new Uri("https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20");

        var stringToSign = policy.StringToSign(
            "GET",
            [new HttpHeader("x-ms-version", "2015-02-21"), new HttpHeader("x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT")],
            uri);

        Assert.Equal(
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20",
            stringToSign);
        // Reference value computed independently (Python hmac/sha256 over the same string with the development key).
        Assert.Equal("1u9lui2jDxj0+fpbHjQ5m5NnastJRSYM+PSmfi8TXx4=", policy.Sign(stringToSign));
    }

    [Fact]
    public void Path_style_resource_keeps_the_escaped_path_and_decodes_query_values()
    {
        var policy = new BlobSharedKeyPolicy(StorageConnectionString.DevelopmentStorageAccountName, Key);
        var blockId = Convert.ToBase64String("?~?~~~?"u8.ToArray());
        Assert.Equal("P34/fn5+Pw==", blockId); // '/', '+' and '=' must be escaped in the URL and decoded when signing
        var uri = new Uri($"http://127.0.0.1:10000/devstoreaccount1/{BlobPipeline.BlobPath("c1", "dir/a bé")}?comp=block&blockid={Uri.EscapeDataString(blockId)}");

        var stringToSign = policy.StringToSign(
            "PUT",
            [new HttpHeader("X-MS-Version", "2021-08-06"), new HttpHeader("x-ms-date", Date), new HttpHeader("Content-Length", "5")],
            uri);

        Assert.Equal(
            $"PUT\n\n\n5\n\n\n\n\n\n\n\n\nx-ms-date:{Date}\nx-ms-version:2021-08-06\n/devstoreaccount1/devstoreaccount1/c1/dir/a%20b%C3%A9\nblockid:P34/fn5+Pw==\ncomp:block",
            stringToSign);
        Assert.Equal("LappQOh+P992gig4WVme3gV0uQ5iVFI3Brnv94mto/A=", policy.Sign(stringToSign));
    }

    [Fact]
    public void Standard_headers_take_their_fixed_places_and_zero_length_is_empty()
    {
        var policy = new BlobSharedKeyPolicy("acct", Key);
        HttpHeader[] headers =
        [
            new("Range", "r"), new("If-Unmodified-Since", "ius"), new("If-None-Match", "inm"), new("If-Match", "im"),
            new("If-Modified-Since", "ims"), new("Date", "d"), new("Content-Type", "ct"), new("Content-MD5", "md5"),
            new("Content-Length", "0"), new("Content-Language", "en"), new("Content-Encoding", "gzip"),
            new("x-ms-range", "bytes=0-9"), new("x-ms-blob-type", "BlockBlob"), new("x-ms-blob-content-type", " text/plain "), new("Accept", "x"),
        ];

        Assert.Equal(
            "DELETE\ngzip\nen\n\nmd5\nct\nd\nims\nim\ninm\nius\nr\nx-ms-blob-content-type:text/plain\nx-ms-blob-type:BlockBlob\nx-ms-range:bytes=0-9\n/acct/c/b\na:1,2\nb:",
            policy.StringToSign("delete", headers, new Uri("https://acct.blob.core.windows.net/c/b?b&A=2&a=1")));
    }

    [Fact]
    public async Task Requests_on_the_wire_carry_the_signature_of_what_is_sent()
    {
        var handler = new CapturingHandler();
        var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        options.Retry.MaxRetries = 0;
        var container = BlobServiceClient
            .FromConnectionString($"AccountName=acct;AccountKey={StorageConnectionString.DevelopmentStorageAccountKey};BlobEndpoint=http://localhost:1/acct", options)
            .GetContainerClient("c01");

        await container.StageBlockAsync("a b/c", "id1", new byte[] { 1, 2, 3 });

        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://localhost:1/acct/c01/a%20b/c?comp=block&blockid=aWQx", request.Uri);
        // Azure.Core adds x-ms-client-request-id and x-ms-return-client-request-id; every x-ms-* header sent is signed.
        Assert.Equal(["x-ms-client-request-id", "x-ms-date", "x-ms-return-client-request-id", "x-ms-version"], request.StorageHeaders.Select(h => h.Name));
        var headers = string.Concat(request.StorageHeaders.Select(h => $"{h.Name}:{h.Value}\n"));
        var expected = $"PUT\n\n\n3\n\n\n\n\n\n\n\n\n{headers}/acct/acct/c01/a%20b/c\nblockid:aWQx\ncomp:block";
        Assert.Contains($"x-ms-version:{BlobPipeline.ServiceVersion}\n", headers, StringComparison.Ordinal);
        Assert.Equal($"SharedKey acct:{new BlobSharedKeyPolicy("acct", Key).Sign(expected)}", request.Authorization);
        Assert.Equal(3, request.ContentLength);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<(string Uri, (string Name, string Value)[] StorageHeaders, string Authorization, long? ContentLength)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Requests.Add((
                request.RequestUri!.AbsoluteUri,
                request.Headers
                    .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                    .Select(h => (h.Key.ToLowerInvariant(), h.Value.Single()))
                    .OrderBy(h => h.Item1, StringComparer.Ordinal)
                    .ToArray(),
                request.Headers.GetValues("Authorization").Single(),
                request.Content?.Headers.ContentLength ?? body.Length));
            return new HttpResponseMessage(HttpStatusCode.Created);
        }
    }
}
