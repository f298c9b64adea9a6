using System.Net;
using Azure.Core;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Storage;

/// <summary>Storage answers that are not the caller's doing: a lost answer, an unexpected refusal. Never a 500, never a lost value.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageFaultTests(AzuriteFixture azurite)
{
    private const string App = "fault-app";

    // The single insert goes to the records table; a batch goes to the account's $batch endpoint.
    private static bool IsRecordWrite(Request request) =>
        request.Method == RequestMethod.Post
        && (request.Uri.Path.EndsWith("records", StringComparison.Ordinal) || request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));

    [Fact]
    public async Task An_insert_whose_answer_was_lost_is_retried_into_its_own_row_and_answered_as_the_success_it_was()
    {
        var lose = new LoseAnswerPolicy(IsRecordWrite);
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [lose] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");

        lose.Arm();
        var (status, body, _) = await client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "jane@example.com" });

        Assert.Equal(1, lose.Lost);
        Assert.True(status == HttpStatusCode.OK, $"encrypt answered {status}: {body?.ToJsonString()}");
        Assert.Equal("jane@example.com", (await client.DecryptAsync(App, key, new { @ref = body!["ref"]!.GetValue<string>() }))["value"]!.GetValue<string>());
        Assert.Single(await Rows.AllAsync(factory.Table("records")));
    }

    [Fact]
    public async Task A_batch_whose_answer_was_lost_is_retried_into_its_own_rows_and_answered_as_the_success_it_was()
    {
        var lose = new LoseAnswerPolicy(IsRecordWrite);
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [lose] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");

        lose.Arm();
        var (status, body, _) = await client.PostAsync($"/api/apps/{App}/encrypt", key, new { items = new[] { new { value = "one" }, new { value = "two" }, new { value = "three" } } });

        Assert.Equal(1, lose.Lost);
        Assert.True(status == HttpStatusCode.OK, $"encrypt answered {status}: {body?.ToJsonString()}");
        var refs = body!["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>());
        Assert.Equal(["one", "two", "three"], (await client.DecryptAsync(App, key, new { refs }))["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
        Assert.Equal(3, (await Rows.AllAsync(factory.Table("records"))).Count);
    }

    [Fact]
    public async Task An_app_creation_whose_answer_was_lost_is_created_once_and_a_second_creation_is_still_refused()
    {
        var lose = new LoseAnswerPolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [lose] };
        var client = new ShroudClient(factory.CreateClient());

        lose.Arm();
        var (status, body, _) = await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = App });

        Assert.Equal(1, lose.Lost);
        Assert.True(status == HttpStatusCode.Created, $"create app answered {status}: {body?.ToJsonString()}");
        var key = await client.CreateKeyAsync(App, "encrypt", "decrypt");
        var reference = (await client.EncryptAsync(App, key, new { value = "jane@example.com" }))["ref"]!.GetValue<string>();
        Assert.Equal("jane@example.com", (await client.DecryptAsync(App, key, new { @ref = reference }))["value"]!.GetValue<string>());
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = App }), HttpStatusCode.Conflict, "app_exists");
    }

    [Theory]
    [InlineData(413, "RequestBodyTooLarge")]
    [InlineData(400, "InvalidInput")]
    [InlineData(409, "EntityAlreadyExists")]
    public async Task A_storage_refusal_shroud_did_not_expect_is_a_storage_rejected_problem_not_an_internal_error(int storageStatus, string errorCode)
    {
        var refuse = new RefuseRequestPolicy(IsRecordWrite, storageStatus, errorCode);
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [refuse] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");

        refuse.Arm();
        var answer = await client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "jane@example.com" });

        ShroudClient.AssertProblem(answer, HttpStatusCode.BadGateway, "storage_rejected");
        Assert.Contains($"({storageStatus}", answer.Body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("jane@example.com", answer.Body.ToJsonString(), StringComparison.Ordinal);
    }
}
