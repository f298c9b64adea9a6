using System.Globalization;
using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class BlobClientTests
{
    private const string Key = StorageConnectionString.DevelopmentStorageAccountKey;

    [Theory]
    [InlineData("UseDevelopmentStorage=true", "http://127.0.0.1:10000/devstoreaccount1")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={0};BlobEndpoint=http://127.0.0.1:12345/devstoreaccount1/;TableEndpoint=http://127.0.0.1:1/devstoreaccount1", "http://127.0.0.1:12345/devstoreaccount1")]
    [InlineData("AccountName=acct;AccountKey={0}", "https://acct.blob.core.windows.net/")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={0};EndpointSuffix=core.chinacloudapi.cn", "https://acct.blob.core.chinacloudapi.cn/")]
    public void Blob_endpoint_comes_from_the_connection_string(string format, string expected)
    {
        var connectionString = string.Format(CultureInfo.InvariantCulture, format, Key);

        Assert.Equal(new Uri(expected), StorageConnectionString.Parse(connectionString).BlobEndpoint);
        Assert.Equal(new Uri(expected), BlobServiceClient.FromConnectionString(connectionString).Endpoint);
    }

    [Fact]
    public void Invalid_blob_endpoint_fails_without_echoing_the_key()
    {
        var error = Assert.Throws<FormatException>(() => BlobServiceClient.FromConnectionString($"AccountName=acct;AccountKey={Key};BlobEndpoint=ftp://x/{Key}"));

        Assert.Contains("blob endpoint", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key[..10], error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a-b-c")]
    [InlineData("0records")]
    public void Valid_container_names_are_accepted(string name) =>
        Assert.Equal(name, BlobServiceClient.FromConnectionString("UseDevelopmentStorage=true").GetContainerClient(name).Name);

    [Theory]
    [InlineData("ab")]
    [InlineData("Abc")]
    [InlineData("a--b")]
    [InlineData("-ab")]
    [InlineData("ab-")]
    [InlineData("a_b")]
    [InlineData("a.b")]
    public void Invalid_container_names_are_rejected(string name) =>
        Assert.Throws<ArgumentException>(() => BlobServiceClient.FromConnectionString("UseDevelopmentStorage=true").GetContainerClient(name));

    [Fact]
    public void Container_names_are_at_most_63_characters()
    {
        var service = BlobServiceClient.FromConnectionString("UseDevelopmentStorage=true");

        Assert.Equal(63, service.GetContainerClient(new string('a', 63)).Name.Length);
        Assert.Throws<ArgumentException>(() => service.GetContainerClient(new string('a', 64)));
    }

    [Theory]
    [InlineData("plain", "c/plain")]
    [InlineData("dir/sub/file.bin", "c/dir/sub/file.bin")]
    [InlineData("with space/and?query#hash", "c/with%20space/and%3Fquery%23hash")]
    [InlineData("100%+1&x=y", "c/100%25%2B1%26x%3Dy")]
    [InlineData("back\\slash", "c/back%5Cslash")]
    [InlineData("é/✓", "c/%C3%A9/%E2%9C%93")]
    [InlineData("dir//double", "c/dir//double")]
    [InlineData("...", "c/...")]
    public void Blob_paths_escape_each_segment(string blobName, string expected) =>
        Assert.Equal(expected, BlobPipeline.BlobPath("c", blobName));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/./b")]
    [InlineData("a/../b")]
    [InlineData("a/..")]
    public void Blob_names_that_a_uri_would_rewrite_are_rejected(string blobName) =>
        Assert.Throws<ArgumentException>(() => BlobPipeline.BlobPath("c", blobName));

    [Fact]
    public void Blob_names_are_at_most_1024_characters()
    {
        Assert.StartsWith("c/", BlobPipeline.BlobPath("c", new string('x', 1024)), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BlobPipeline.BlobPath("c", new string('x', 1025)));
    }

    [Fact]
    public void Block_ids_have_a_fixed_length()
    {
        Assert.Equal("0000000000", BlobContainerClient.BlockId(0));
        Assert.Equal("0000000042", BlobContainerClient.BlockId(42));
        Assert.Equal(int.MaxValue.ToString(CultureInfo.InvariantCulture), BlobContainerClient.BlockId(int.MaxValue));
        Assert.Single(new[] { 0, 9, 10, 49_999, int.MaxValue }.Select(i => BlobContainerClient.BlockId(i).Length).Distinct());
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobContainerClient.BlockId(-1));
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>", "BlobNotFound")]
    [InlineData("<Error><Message>x</Message><Code>InvalidRange</Code></Error>", "InvalidRange")]
    [InlineData("<html><body>Bad gateway</body></html>", null)]
    [InlineData("<Error><Code>", null)]
    [InlineData("not xml", null)]
    [InlineData("", null)]
    [InlineData("<!DOCTYPE Error [<!ENTITY x \"y\">]><Error><Code>&x;</Code></Error>", null)]
    public void Error_codes_are_read_from_xml_bodies(string body, string? expected) =>
        Assert.Equal(expected, BlobPipeline.ReadErrorCode(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public async Task Invalid_arguments_are_rejected_before_sending()
    {
        var handler = new CountingHandler();
        var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        var container = BlobServiceClient.FromConnectionString("UseDevelopmentStorage=true", options).GetContainerClient("c01");

        await Assert.ThrowsAsync<ArgumentException>(() => container.StageBlockAsync("b", "", new byte[1]));
        await Assert.ThrowsAsync<ArgumentException>(() => container.StageBlockAsync("b", new string('x', 65), new byte[1]));
        await Assert.ThrowsAsync<ArgumentException>(() => container.StageBlockAsync("b", "id", ReadOnlyMemory<byte>.Empty));
        await Assert.ThrowsAsync<ArgumentException>(() => container.StageBlockAsync("a/../b", "id", new byte[1]));
        await Assert.ThrowsAsync<ArgumentException>(() => container.CommitBlocksAsync("b", ["1", "22"], "text/plain"));
        await Assert.ThrowsAsync<ArgumentException>(() => container.CommitBlocksAsync("b", Enumerable.Range(0, 50_001).Select(BlobContainerClient.BlockId).ToList(), "text/plain"));
        await Assert.ThrowsAsync<ArgumentException>(() => container.CommitBlocksAsync("b", ["1"], " "));
        await Assert.ThrowsAsync<ArgumentException>(() => container.UploadAsync("b", new byte[1], ""));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => container.DownloadAsync("b", offset: -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => container.DownloadAsync("b", length: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => container.DownloadAsync("b", offset: long.MaxValue, length: 2));
        await Assert.ThrowsAsync<ArgumentException>(() => container.DeleteIfExistsAsync(""));

        Assert.Equal(0, handler.Count);
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Count { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Count++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));
        }
    }
}
