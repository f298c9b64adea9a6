using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Shroud.Host.Azurite;
using Shroud.IntegrationTests.Infrastructure;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Add_then_get_round_trips_every_supported_type()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddTicks(1234567);
        var id = Guid.NewGuid();
        var entity = new TableEntity("p", "r")
        {
            ["Text"] = "héllo 'single' \"double\" ✓ 𝄞",
            ["Empty"] = "",
            ["Bytes"] = new byte[] { 0, 1, 2, 254, 255 },
            ["Int"] = -42,
            ["Long"] = long.MaxValue,
            ["Bool"] = true,
            ["Double"] = 1.5,
            ["WholeDouble"] = 2.0,
            ["NotANumber"] = double.NaN,
            ["Infinity"] = double.NegativeInfinity,
            ["When"] = when,
            ["Id"] = id,
        };

        var etag = await table.AddEntityAsync(entity);
        var read = await table.GetEntityIfExistsAsync("p", "r");

        Assert.NotNull(read);
        Assert.NotEqual(default, etag);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        AssertRoundTripped(read);
        var queried = Assert.Single(await ToListAsync(table.QueryAsync()));
        Assert.Equal(etag, queried.ETag);
        AssertRoundTripped(queried);

        void AssertRoundTripped(TableEntity e)
        {
            Assert.Equal("p", e.PartitionKey);
            Assert.Equal("r", e.RowKey);
            Assert.Equal("héllo 'single' \"double\" ✓ 𝄞", e.GetString("Text"));
            Assert.Equal("", e.GetString("Empty"));
            Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, e.GetBinary("Bytes"));
            Assert.Equal(-42, e.GetInt32("Int"));
            Assert.Equal(long.MaxValue, e.GetInt64("Long"));
            Assert.True(e.GetBoolean("Bool"));
            Assert.Equal(1.5, e.GetDouble("Double"));
            Assert.Equal(2.0, e.GetDouble("WholeDouble"));
            Assert.Equal(double.NaN, e.GetDouble("NotANumber"));
            Assert.Equal(double.NegativeInfinity, e.GetDouble("Infinity"));
            Assert.Equal(when, e.GetDateTimeOffset("When"));
            Assert.Equal(TimeSpan.Zero, e.GetDateTimeOffset("When")!.Value.Offset);
            Assert.Equal(id, e.GetGuid("Id"));
            Assert.Null(e.GetString("Missing"));
            Assert.IsType<long>(e["Long"]);
            Assert.IsType<double>(e["WholeDouble"]);
            Assert.IsType<DateTimeOffset>(e["When"]);
            Assert.IsType<byte[]>(e["Bytes"]);
            Assert.IsType<Guid>(e["Id"]);
            Assert.Equal(12, e.Count());
        }
    }

    [Fact]
    public async Task Get_with_select_returns_only_the_selected_properties()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = 1, ["B"] = "b" });

        var read = await table.GetEntityIfExistsAsync("p", "r", ["B"]);

        Assert.NotNull(read);
        Assert.Equal(("p", "r"), (read.PartitionKey, read.RowKey));
        Assert.Equal("b", read.GetString("B"));
        Assert.False(read.ContainsKey("A"));
    }

    [Fact]
    public async Task Get_missing_entity_returns_null_but_missing_table_throws()
    {
        var table = await NewTableAsync();

        Assert.Null(await table.GetEntityIfExistsAsync("p", "nope"));
        var error = await Assert.ThrowsAsync<StorageException>(
            () => azurite.CreateTableService().GetTableClient(azurite.UniqueName("missing")).GetEntityIfExistsAsync("p", "r"));
        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task Add_duplicate_fails_with_409_without_leaking_contents()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("secret-partition", "secret-row") { ["Value"] = "secret-value" };
        await table.AddEntityAsync(entity);

        var error = await Assert.ThrowsAsync<StorageException>(() => table.AddEntityAsync(entity));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_requires_the_current_etag()
    {
        var table = await NewTableAsync();
        var first = await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var second = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, first);

        var stale = await Assert.ThrowsAsync<StorageException>(
            () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 3 }, first));
        var third = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 4 }, second, TableUpdateMode.Merge);
        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 5 }, ETag.All);
        var missing = await Assert.ThrowsAsync<StorageException>(
            () => table.UpdateEntityAsync(new TableEntity("p", "other"), ETag.All));

        Assert.NotEqual(first, second);
        Assert.NotEqual(second, third);
        Assert.Equal(412, stale.Status);
        Assert.Equal("UpdateConditionNotSatisfied", stale.ErrorCode);
        Assert.Equal(404, missing.Status);
        Assert.Equal(5, (await table.GetEntityIfExistsAsync("p", "r"))!.GetInt32("V"));
        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateEntityAsync(new TableEntity("p", "r"), default));
    }

    [Fact]
    public async Task Upsert_merge_keeps_other_properties_and_replace_drops_them()
    {
        var table = await NewTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["A"] = "a", ["B"] = "b" });
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["A"] = "a", ["B"] = "b" });

        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["B"] = "b2" }, TableUpdateMode.Merge);
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["B"] = "b2" });

        var merged = await table.GetEntityIfExistsAsync("p", "merge");
        var replaced = await table.GetEntityIfExistsAsync("p", "replace");
        Assert.Equal(("a", "b2"), (merged!.GetString("A"), merged.GetString("B")));
        Assert.Equal(((string?)null, "b2"), (replaced!.GetString("A"), replaced.GetString("B")));
    }

    [Fact]
    public async Task Delete_honours_the_etag_and_reports_missing_entities()
    {
        var table = await NewTableAsync();
        var first = await table.AddEntityAsync(new TableEntity("p", "r"));
        var current = await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "any"));

        var stale = await Assert.ThrowsAsync<StorageException>(() => table.DeleteEntityAsync("p", "r", first));

        Assert.Equal(412, stale.Status);
        Assert.True(await table.DeleteEntityAsync("p", "r", current));
        Assert.False(await table.DeleteEntityAsync("p", "r", current));
        Assert.True(await table.DeleteEntityAsync("p", "any"));
        Assert.False(await table.DeleteEntityAsync("p", "any"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "r"));
    }

    [Fact]
    public async Task Query_filters_selects_and_pages()
    {
        var table = await NewTableAsync();
        for (var i = 0; i < 25; i++)
        {
            await table.AddEntityAsync(new TableEntity(i % 2 == 0 ? "even" : "odd", $"{i:D3}") { ["Number"] = i, ["Other"] = "x" });
        }

        var filter = $"PartitionKey eq {TableFilter.Quote("even")} and Number ge 4";
        var all = await ToListAsync(table.QueryAsync(filter, ["Number", "RowKey"], maxPerPage: 3));

        Assert.Equal(Enumerable.Range(2, 11).Select(i => i * 2), all.Select(e => e.GetInt32("Number")!.Value));
        Assert.All(all, e => Assert.False(e.ContainsKey("Other")));
        Assert.All(all, e => Assert.NotEqual(default, e.ETag));
        Assert.Equal("004", all[0].RowKey);

        var pages = new List<TablePage>();
        string? token = null;
        do
        {
            var page = await table.QueryPageAsync(filter, null, 3, token);
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.True(pages.Count >= 4);
        Assert.All(pages, p => Assert.True(p.Items.Count <= 3));
        Assert.Equal(all.Select(e => e.RowKey), pages.SelectMany(p => p.Items).Select(e => e.RowKey));
        Assert.Equal(25, (await ToListAsync(table.QueryAsync(maxPerPage: 7))).Count);
        Assert.Empty(await ToListAsync(table.QueryAsync("Number gt 100")));
    }

    [Fact]
    public async Task Quotes_and_unicode_work_in_keys_and_filters()
    {
        var table = await NewTableAsync();
        var partition = "O'Neil & co %20+ \"ünï\" 𝄞";
        var row = "it's; a=row";
        var name = "Mc'Donald''s \"x\" ✓";
        await table.AddEntityAsync(new TableEntity(partition, row) { ["Name"] = name });
        await table.AddEntityAsync(new TableEntity(partition, "other") { ["Name"] = "someone else" });

        var found = await ToListAsync(table.QueryAsync($"PartitionKey eq {TableFilter.Quote(partition)} and Name eq {TableFilter.Quote(name)}"));
        var read = await table.GetEntityIfExistsAsync(partition, row);

        Assert.Equal(row, Assert.Single(found).RowKey);
        Assert.Equal(partition, found[0].PartitionKey);
        Assert.Equal(name, read!.GetString("Name"));
        Assert.True(await table.DeleteEntityAsync(partition, row, read.ETag));
    }

    [Fact]
    public async Task Transaction_of_100_adds_succeeds()
    {
        var table = await NewTableAsync();
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"{i:D3}") { ["I"] = i, ["Data"] = new byte[100] }))
            .ToList();

        await table.SubmitTransactionAsync(actions);

        var stored = await ToListAsync(table.QueryAsync());
        Assert.Equal(100, stored.Count);
        Assert.Equal(Enumerable.Range(0, 100), stored.Select(e => e.GetInt32("I")!.Value));
    }

    [Fact]
    public async Task Failed_transaction_names_the_failing_action_and_writes_nothing()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "056") { ["Original"] = true });
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"{i:D3}") { ["I"] = i }))
            .ToList();

        var error = await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(actions));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Equal(56, error.FailedActionIndex);
        var stored = Assert.Single(await ToListAsync(table.QueryAsync()));
        Assert.Equal("056", stored.RowKey);
        Assert.True(stored.GetBoolean("Original"));
    }

    [Fact]
    public async Task Transaction_mixes_action_types()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "replace") { ["A"] = "old", ["B"] = "old" });
        await table.AddEntityAsync(new TableEntity("p", "delete"));
        var mergeEtag = await table.AddEntityAsync(new TableEntity("p", "merge") { ["A"] = "old", ["B"] = "old" });
        var deleteWithEtag = await table.AddEntityAsync(new TableEntity("p", "delete2"));

        await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "add") { ["A"] = "new" }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "replace") { ["A"] = "new" }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsert") { ["A"] = "new" }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "merge") { ["A"] = "new" }, mergeEtag),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete2"), deleteWithEtag),
        ]);

        var stored = (await ToListAsync(table.QueryAsync())).ToDictionary(e => e.RowKey);
        Assert.Equal(["add", "merge", "replace", "upsert"], stored.Keys.Order());
        Assert.Equal("new", stored["add"].GetString("A"));
        Assert.Equal(("new", (string?)null), (stored["replace"].GetString("A"), stored["replace"].GetString("B")));
        Assert.Equal(("new", "old"), (stored["merge"].GetString("A"), stored["merge"].GetString("B")));
        Assert.Equal("new", stored["upsert"].GetString("A"));
    }

    [Fact]
    public async Task Transaction_with_stale_etag_fails_at_that_action()
    {
        var table = await NewTableAsync();
        var stale = await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "new")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r") { ["V"] = 3 }, stale),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, error.FailedActionIndex);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "new"));
    }

    [Fact]
    public async Task Invalid_transactions_are_rejected_before_sending()
    {
        var counter = new RequestCounter();
        var table = await NewTableAsync(counter);
        var before = counter.Requests.Count;

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
            Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"{i}"))).ToList()));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p1", "r")),
            new(TableTransactionActionType.Add, new TableEntity("p2", "r")),
        ]));

        Assert.Equal(before, counter.Requests.Count);
    }

    [Fact]
    public async Task Get_add_and_transaction_are_one_request_each()
    {
        var counter = new RequestCounter();
        var table = await NewTableAsync(counter);

        Assert.Equal(1, await CountAsync(() => table.AddEntityAsync(new TableEntity("p", "r"))));
        Assert.Equal(1, await CountAsync(() => table.GetEntityIfExistsAsync("p", "r")));
        Assert.Equal(1, await CountAsync(() => table.GetEntityIfExistsAsync("p", "missing")));
        Assert.Equal(1, await CountAsync(() => table.SubmitTransactionAsync(
            Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", $"{i}"))).ToList())));

        async Task<int> CountAsync(Func<Task> operation)
        {
            var before = counter.Requests.Count;
            await operation();
            return counter.Requests.Count - before;
        }
    }

    [Fact]
    public async Task Transient_503_is_retried()
    {
        var failFirst = new FailFirstAttemptPolicy();
        var options = new TableClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.AddPolicy(failFirst, HttpPipelinePosition.PerRetry);
        var table = azurite.CreateTableService(options).GetTableClient(azurite.UniqueName("retry"));
        await azurite.CreateTableService().CreateTableIfNotExistsAsync(table.Name);

        failFirst.Arm();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        Assert.Equal(2, failFirst.Attempts);
        Assert.NotNull(await table.GetEntityIfExistsAsync("p", "r"));
    }

    [Fact]
    public async Task Tables_are_created_and_deleted_idempotently()
    {
        var service = azurite.CreateTableService();
        var name = azurite.UniqueName("manage");

        await service.PingAsync();
        await service.CreateTableIfNotExistsAsync(name);
        await service.CreateTableIfNotExistsAsync(name);
        await service.GetTableClient(name).AddEntityAsync(new TableEntity("p", "r"));
        await service.DeleteTableIfExistsAsync(name);
        await service.DeleteTableIfExistsAsync(name);

        var error = await Assert.ThrowsAsync<StorageException>(() => service.GetTableClient(name).AddEntityAsync(new TableEntity("p", "r")));
        Assert.Equal(404, error.Status);
        Assert.Throws<ArgumentException>(() => service.GetTableClient("bad-name"));
    }

    [Fact]
    public async Task Wrong_account_key_is_rejected()
    {
        var connectionString = azurite.ConnectionString.Replace(
            StorageConnectionString.DevelopmentStorageAccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<StorageException>(() => TableServiceClient.FromConnectionString(connectionString).PingAsync());

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task Unreachable_endpoint_fails_with_status_0()
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        var connectionString = azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{AzuriteProcess.FreeTcpPort()}/", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<StorageException>(() => TableServiceClient.FromConnectionString(connectionString, options).PingAsync());

        Assert.Equal(0, error.Status);
        Assert.NotNull(error.InnerException);
    }

    private async Task<TableClient> NewTableAsync(HttpPipelinePolicy? policy = null)
    {
        var options = new TableClientOptions();
        if (policy is not null)
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        var service = azurite.CreateTableService(options);
        var name = azurite.UniqueName("t");
        await service.CreateTableIfNotExistsAsync(name);
        return service.GetTableClient(name);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
