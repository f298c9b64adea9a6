using Microsoft.Extensions.Options;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class StorageAccountTests
{
    [Fact]
    public void Development_storage_names_the_emulator_endpoints_and_the_prefixed_tables_and_container()
    {
        var account = Account(new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = "Shroud" });

        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", account.Tables.Uri.ToString().TrimEnd('/'));
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", account.Blobs.Uri.ToString().TrimEnd('/'));
        Assert.Equal(["Shroudapps", "Shroudrecords", "Shroudconversations"], new[] { account.Apps.Name, account.Records.Name, account.Conversations.Name });
        Assert.Equal("shroudmedia", account.Media.Name);
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", account.Queues.Uri.ToString().TrimEnd('/'));
        Assert.Equal("Shrouddeliveries", account.Deliveries.Name);
        Assert.Equal("shroud-deliveries", account.DeliveryQueue.Name);
    }

    [Fact]
    public void Endpoints_without_a_connection_string_are_reached_with_a_token_credential()
    {
        var account = Account(new StorageOptions
        {
            TableEndpoint = "https://acct.table.core.windows.net",
            BlobEndpoint = "https://acct.blob.core.windows.net",
            QueueEndpoint = "https://acct.queue.core.windows.net",
            ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal("https://acct.table.core.windows.net/", account.Tables.Uri.ToString());
        Assert.Equal("https://acct.blob.core.windows.net/", account.Blobs.Uri.ToString());
        Assert.Equal("https://acct.queue.core.windows.net/", account.Queues.Uri.ToString());
        Assert.Equal("acct", account.Tables.AccountName);

        // A SAS can only be made with a shared key; a client built on a token credential has none.
        Assert.False(account.Media.CanGenerateSasUri);
    }

    [Fact]
    public void The_retry_budget_bounds_how_long_a_failing_request_takes()
    {
        var options = StorageAccount.DefaultTableOptions();

        Assert.Equal(StorageAccount.MaxRetries, options.Retry.MaxRetries);
        Assert.Equal(StorageAccount.AttemptTimeout, options.Retry.NetworkTimeout);
        var backoff = options.Retry.Delay * (1 + 2 + 4);
        Assert.True(((StorageAccount.MaxRetries + 1) * options.Retry.NetworkTimeout) + backoff <= StorageAccount.FailureBound);
        Assert.True(StorageAccount.FailureBound <= TimeSpan.FromSeconds(30));
    }

    private static StorageAccount Account(StorageOptions options) =>
        new(Options.Create(options), StorageAccount.DefaultTableOptions(), StorageAccount.DefaultBlobOptions());
}

public sealed class StorageOptionsValidationTests
{
    [Theory]
    [InlineData("shroud-deliveries", true)]
    [InlineData("q1", false)]
    [InlineData("Shroud-deliveries", false)]
    [InlineData("-deliveries", false)]
    [InlineData("shroud--deliveries", false)]
    [InlineData("shroud_deliveries", false)]
    public void The_delivery_queue_name_must_be_a_storage_queue_name(string name, bool valid)
    {
        var result = new StorageOptionsValidation().Validate(null, new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", DeliveryQueue = name });

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Managed_identity_needs_the_queue_endpoint_too()
    {
        var options = new StorageOptions { TableEndpoint = "https://a.table.core.windows.net", BlobEndpoint = "https://a.blob.core.windows.net" };

        Assert.False(new StorageOptionsValidation().Validate(null, options).Succeeded);
        options.QueueEndpoint = "https://a.queue.core.windows.net";
        Assert.True(new StorageOptionsValidation().Validate(null, options).Succeeded);
    }
}
