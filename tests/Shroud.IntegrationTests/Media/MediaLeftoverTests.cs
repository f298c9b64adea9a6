using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Core;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Media;

/// <summary>A media upload leaves nothing behind when its record row cannot be written.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MediaLeftoverTests(AzuriteFixture azurite)
{
    private const string App = "media-leftover-app";

    [Fact]
    public async Task A_blob_whose_record_row_could_not_be_written_is_deleted()
    {
        // Storage answers 503 to every insert into the records table.
        var refuseRecords = new RefuseWhilePolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("records", StringComparison.Ordinal), 503);
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [refuseRecords] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt");
        var container = azurite.CreateBlobService().GetBlobContainerClient(factory.TablePrefix.ToLowerInvariant() + "media");

        refuseRecords.Refusing = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(RandomNumberGenerator.GetBytes(5000)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(refuseRecords.Refused > 0);
        Assert.Empty(await Rows.AllAsync(factory.Table("records")));
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
        }

        Assert.Empty(blobs);
    }
}
