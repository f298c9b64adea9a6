using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Shroud.Host.Azurite;
using Shroud.IntegrationTests.Infrastructure;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class BlobClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Containers_are_created_idempotently()
    {
        var container = azurite.CreateBlobService().GetContainerClient(azurite.UniqueName("idem"));

        await container.CreateIfNotExistsAsync();
        await container.CreateIfNotExistsAsync();
        await container.UploadAsync("b", "x"u8.ToArray(), "text/plain");
        await container.CreateIfNotExistsAsync();

        await using var download = await container.DownloadAsync("b");
        Assert.NotNull(download);
        Assert.Equal("x", await ReadStringAsync(download));
    }

    [Fact]
    public async Task Staged_blocks_commit_to_their_concatenation_with_the_content_type()
    {
        var container = await NewContainerAsync();
        byte[][] blocks = ["first block, "u8.ToArray(), "second, "u8.ToArray(), "third ✓"u8.ToArray()];

        for (var i = 0; i < blocks.Length; i++)
        {
            await container.StageBlockAsync("doc", BlobContainerClient.BlockId(i), blocks[i]);
        }

        Assert.Null(await container.DownloadAsync("doc")); // nothing is visible before the commit
        await container.CommitBlocksAsync("doc", [.. Enumerable.Range(0, blocks.Length).Select(BlobContainerClient.BlockId)], "text/plain; charset=utf-8");

        await using var download = await container.DownloadAsync("doc");
        Assert.NotNull(download);
        Assert.Equal("text/plain; charset=utf-8", download.ContentType);
        Assert.Equal(blocks.Sum(b => b.Length), download.ContentLength);
        Assert.Equal(blocks.SelectMany(b => b).ToArray(), await ReadAllAsync(download.Content));
    }

    [Fact]
    public async Task Blocks_commit_in_the_given_order_and_a_recommit_replaces_the_content()
    {
        var container = await NewContainerAsync();
        await container.StageBlockAsync("b", "a", "A"u8.ToArray());
        await container.StageBlockAsync("b", "b", "B"u8.ToArray());

        await container.CommitBlocksAsync("b", ["b", "a", "b"], "application/octet-stream");
        Assert.Equal("BAB", await DownloadStringAsync(container, "b"));

        await container.StageBlockAsync("b", "c", "C"u8.ToArray());
        await container.CommitBlocksAsync("b", ["c", "a"], "text/plain"); // committed blocks can be reused
        Assert.Equal("CA", await DownloadStringAsync(container, "b"));
    }

    [Fact]
    public async Task Unknown_block_ids_fail_the_commit()
    {
        var container = await NewContainerAsync();
        await container.StageBlockAsync("b", "aa", "A"u8.ToArray());

        var error = await Assert.ThrowsAsync<StorageException>(() => container.CommitBlocksAsync("b", ["aa", "zz"], "text/plain"));

        Assert.Equal(400, error.Status);
        Assert.Equal("InvalidBlockList", error.ErrorCode);
        Assert.Null(await container.DownloadAsync("b"));
    }

    [Fact]
    public async Task Ranged_downloads_return_the_requested_bytes()
    {
        var container = await NewContainerAsync();
        var data = Encoding.ASCII.GetBytes("0123456789abcdefghij");
        await container.UploadAsync("r", data, "application/octet-stream");

        Assert.Equal("3456", await DownloadStringAsync(container, "r", 3, 4));
        Assert.Equal("fghij", await DownloadStringAsync(container, "r", 15));
        Assert.Equal("ij", await DownloadStringAsync(container, "r", 18, 100)); // cut to the end
        Assert.Equal("0", await DownloadStringAsync(container, "r", 0, 1));
        await using (var download = await container.DownloadAsync("r", 5, 10))
        {
            Assert.NotNull(download);
            Assert.Equal(10, download.ContentLength);
            Assert.Equal("application/octet-stream", download.ContentType);
        }

        // Azure answers 416 from offset == length on; Azurite 3.35 only beyond it (offset == length gives an empty body there).
        var error = await Assert.ThrowsAsync<StorageException>(() => container.DownloadAsync("r", 21));
        Assert.Equal(416, error.Status);
        Assert.Equal("InvalidRange", error.ErrorCode);
    }

    [Fact]
    public async Task Missing_blob_downloads_as_null_but_a_missing_container_throws()
    {
        var container = await NewContainerAsync();

        Assert.Null(await container.DownloadAsync("missing"));
        Assert.Null(await container.DownloadAsync("missing", 10, 5));

        var missingContainer = azurite.CreateBlobService().GetContainerClient(azurite.UniqueName("nocontainer"));
        var error = await Assert.ThrowsAsync<StorageException>(() => missingContainer.DownloadAsync("missing"));
        Assert.Equal(404, error.Status);
        Assert.Equal("ContainerNotFound", error.ErrorCode);
        Assert.Contains(missingContainer.Name, error.Message, StringComparison.Ordinal);
        Assert.Equal(404, (await Assert.ThrowsAsync<StorageException>(() => missingContainer.DeleteIfExistsAsync("missing"))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<StorageException>(() => missingContainer.UploadAsync("b", new byte[1], "text/plain"))).Status);
    }

    [Fact]
    public async Task Delete_is_true_then_false()
    {
        var container = await NewContainerAsync();
        await container.UploadAsync("d", "x"u8.ToArray(), "text/plain");

        Assert.True(await container.DeleteIfExistsAsync("d"));
        Assert.False(await container.DeleteIfExistsAsync("d"));
        Assert.Null(await container.DownloadAsync("d"));
    }

    [Fact]
    public async Task Upload_replaces_and_empty_blobs_round_trip()
    {
        var container = await NewContainerAsync();

        await container.UploadAsync("u", "old content"u8.ToArray(), "text/plain");
        await container.UploadAsync("u", "new"u8.ToArray(), "application/json");
        await container.UploadAsync("empty", ReadOnlyMemory<byte>.Empty, "application/octet-stream");
        await container.CommitBlocksAsync("committed-empty", [], "text/plain");

        await using (var download = await container.DownloadAsync("u"))
        {
            Assert.NotNull(download);
            Assert.Equal("application/json", download.ContentType);
            Assert.Equal("new", await ReadStringAsync(download));
        }

        foreach (var name in new[] { "empty", "committed-empty" })
        {
            await using var empty = await container.DownloadAsync(name);
            Assert.NotNull(empty);
            Assert.Equal(0, empty.ContentLength);
            Assert.Empty(await ReadAllAsync(empty.Content));
        }
    }

    [Fact]
    public async Task Ten_MiB_blob_streams_in_small_reads_without_being_buffered()
    {
        const int blockSize = 1024 * 1024;
        const int blockCount = 10;
        var bufferingSeen = new List<bool>();
        var container = await NewContainerAsync(new ObservePolicy(m => bufferingSeen.Add(m.BufferResponse)));
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < blockCount; i++)
        {
            var block = new byte[blockSize];
            new Random(i).NextBytes(block);
            expected.AppendData(block);
            await container.StageBlockAsync("big", BlobContainerClient.BlockId(i), block);
        }

        await container.CommitBlocksAsync("big", [.. Enumerable.Range(0, blockCount).Select(BlobContainerClient.BlockId)], "application/octet-stream");
        bufferingSeen.Clear();

        await using var download = await container.DownloadAsync("big");

        Assert.NotNull(download);
        Assert.Equal([false], bufferingSeen);
        Assert.False(download.Content.CanSeek); // a network stream, not a MemoryStream holding the blob
        Assert.IsNotType<MemoryStream>(download.Content);
        Assert.Equal((long)blockSize * blockCount, download.ContentLength);
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[4096];
        long total = 0;
        int read;
        while ((read = await download.Content.ReadAsync(buffer)) > 0)
        {
            actual.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal((long)blockSize * blockCount, total);
        Assert.Equal(expected.GetHashAndReset(), actual.GetHashAndReset());
    }

    [Fact]
    public async Task Blob_names_with_slashes_spaces_and_special_characters_are_distinct_blobs()
    {
        var container = await NewContainerAsync();
        string[] names =
        [
            "dir/sub dir/file name.txt", "dir/sub%20dir/file%20name.txt", "dir/sub+dir/file+name.txt", "a?b#c&d=e", "é/✓/𝄞", "trailing/", "dir//double", "semi;colon,comma'quote\"",
            "back\\slash", "...",
        ];

        foreach (var name in names)
        {
            await container.UploadAsync(name, Encoding.UTF8.GetBytes(name), "text/plain");
        }

        foreach (var name in names)
        {
            Assert.Equal(name, await DownloadStringAsync(container, name));
        }

        await container.StageBlockAsync("staged dir/a b", "1", "x y"u8.ToArray());
        await container.CommitBlocksAsync("staged dir/a b", ["1"], "text/plain");
        Assert.Equal("x y", await DownloadStringAsync(container, "staged dir/a b"));
        Assert.True(await container.DeleteIfExistsAsync("dir/sub dir/file name.txt"));
        Assert.Equal("dir/sub%20dir/file%20name.txt", await DownloadStringAsync(container, "dir/sub%20dir/file%20name.txt"));
        await Assert.ThrowsAsync<ArgumentException>(() => container.DownloadAsync("dir/../file"));
    }

    [Fact]
    public async Task Each_operation_is_one_request()
    {
        var counter = new RequestCounter();
        var container = azurite.CreateBlobService(Options(counter)).GetContainerClient(azurite.UniqueName("count"));
        var prefix = $"/{StorageConnectionString.DevelopmentStorageAccountName}/{container.Name}";

        Assert.Equal([$"PUT {prefix}"], await RequestsAsync(() => container.CreateIfNotExistsAsync()));
        Assert.Equal([$"PUT {prefix}/d/a%20b"], await RequestsAsync(() => container.StageBlockAsync("d/a b", "1", new byte[10])));
        Assert.Equal([$"PUT {prefix}/d/a%20b"], await RequestsAsync(() => container.CommitBlocksAsync("d/a b", ["1"], "text/plain")));
        Assert.Equal([$"GET {prefix}/d/a%20b"], await RequestsAsync(async () => { await using var d = await container.DownloadAsync("d/a b"); await ReadAllAsync(d!.Content); }));
        Assert.Equal([$"GET {prefix}/d/a%20b"], await RequestsAsync(async () => { await using var d = await container.DownloadAsync("d/a b", 2, 3); }));
        Assert.Equal([$"GET {prefix}/missing"], await RequestsAsync(() => container.DownloadAsync("missing")));
        Assert.Equal([$"DELETE {prefix}/d/a%20b"], await RequestsAsync(() => container.DeleteIfExistsAsync("d/a b")));
        Assert.Equal([$"DELETE {prefix}/d/a%20b"], await RequestsAsync(() => container.DeleteIfExistsAsync("d/a b")));
        Assert.Equal([$"PUT {prefix}/u"], await RequestsAsync(() => container.UploadAsync("u", new byte[10], "text/plain")));

        async Task<IReadOnlyList<string>> RequestsAsync(Func<Task> operation)
        {
            counter.Reset();
            await operation();
            return counter.Requests;
        }
    }

    [Fact]
    public async Task Transient_503_is_retried_for_writes_and_streamed_downloads()
    {
        var failFirst = new FailFirstAttemptPolicy();
        var options = Options(failFirst);
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var container = azurite.CreateBlobService(options).GetContainerClient(azurite.UniqueName("retry"));
        await container.CreateIfNotExistsAsync();

        failFirst.Arm();
        await container.StageBlockAsync("b", "1", "abc"u8.ToArray());
        Assert.Equal(2, failFirst.Attempts);

        failFirst.Arm();
        await container.CommitBlocksAsync("b", ["1"], "text/plain");
        Assert.Equal(2, failFirst.Attempts);

        failFirst.Arm();
        Assert.Equal("abc", await DownloadStringAsync(container, "b"));
        Assert.Equal(2, failFirst.Attempts);
    }

    [Fact]
    public async Task Persistent_server_errors_surface_as_storage_exceptions_with_the_status()
    {
        var options = Options(new ObservePolicy(_ => { }, substituteStatus: 503));
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var container = azurite.CreateBlobService(options).GetContainerClient(azurite.UniqueName("fail"));

        var error = await Assert.ThrowsAsync<StorageException>(() => container.DownloadAsync("secret-name"));

        Assert.Equal(503, error.Status);
        Assert.DoesNotContain("secret-name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_account_key_is_rejected_without_naming_the_blob()
    {
        var connectionString = azurite.ConnectionString.Replace(
            StorageConnectionString.DevelopmentStorageAccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);
        var container = BlobServiceClient.FromConnectionString(connectionString).GetContainerClient(azurite.UniqueName("key"));

        var error = await Assert.ThrowsAsync<StorageException>(() => container.UploadAsync("private/ref-123", "secret"u8.ToArray(), "text/plain"));

        Assert.Equal(403, error.Status);
        Assert.Equal("AuthorizationFailure", error.ErrorCode);
        Assert.DoesNotContain("ref-123", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_endpoint_fails_with_status_0()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        var blobPort = new Uri(StorageConnectionString.Parse(azurite.ConnectionString).BlobEndpoint.AbsoluteUri).Port;
        var connectionString = azurite.ConnectionString.Replace($":{blobPort}/", $":{AzuriteProcess.FreeTcpPort()}/", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<StorageException>(() => BlobServiceClient.FromConnectionString(connectionString, options).GetContainerClient("any").DownloadAsync("b"));

        Assert.Equal(0, error.Status);
        Assert.NotNull(error.InnerException);
    }

    private static BlobClientOptions Options(HttpPipelinePolicy policy)
    {
        var options = new BlobClientOptions();
        options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        return options;
    }

    private async Task<BlobContainerClient> NewContainerAsync(HttpPipelinePolicy? policy = null)
    {
        var container = azurite.CreateBlobService(policy is null ? null : Options(policy)).GetContainerClient(azurite.UniqueName("c"));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    private static async Task<string> DownloadStringAsync(BlobContainerClient container, string name, long offset = 0, long? length = null)
    {
        await using var download = await container.DownloadAsync(name, offset, length);
        Assert.NotNull(download);
        return await ReadStringAsync(download);
    }

    private static async Task<string> ReadStringAsync(BlobDownload download) => Encoding.UTF8.GetString(await ReadAllAsync(download.Content));

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Sees each attempt; optionally answers it with a substituted status instead of sending it.</summary>
    private sealed class ObservePolicy(Action<HttpMessage> observe, int? substituteStatus = null) : HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            observe(message);
            if (substituteStatus is { } status)
            {
                message.Response = new StatusResponse(status);
                return;
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The blob client is async only.");
    }
}
