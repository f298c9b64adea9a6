using System.Text;
using Azure.Data.Tables;
using Shroud.Core.Audit;
using Shroud.Storage;

namespace Shroud.UnitTests.Storage;

public sealed class AuditTableRowTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(long sequence, int refIds = 1) => new(
        "app-1", Time, AuditActions.ValueDecrypt, AuditOutcomes.Succeeded, "key-1", null,
        Enumerable.Range(0, refIds).Select(i => $"ref{i:D19}").ToList(), new Dictionary<string, int> { ["revealed"] = refIds },
        "0123456789abcdef0123456789abcdef", "writer", sequence, "root", [1, 2, 3]);

    [Fact]
    public void Records_of_one_insert_share_a_row_and_read_back_newest_first_with_every_field()
    {
        var records = new[] { Record(7), Record(8), Record(9) };

        var row = Assert.Single(AuditTable.ToEntities(records));
        var read = AuditTable.FromEntity(row);

        Assert.Equal("20261201-app-1", row.PartitionKey);
        Assert.Equal(3, row.GetInt32("Count"));
        Assert.Equal([9L, 8L, 7L], read.Select(r => r.Sequence));
        Assert.Equivalent(records.Reverse().Select(r => r with { Mac = [] }), read.Select(r => r with { Mac = [] }), strict: true);
        Assert.All(read, r => Assert.Equal(new byte[] { 1, 2, 3 }, r.Mac));
    }

    [Fact]
    public void Records_whose_json_outgrows_a_column_take_more_rows_in_one_partition_with_distinct_keys()
    {
        // 1000 ref ids make a record of about 25 KB; a row holds at most 60 KiB of records.
        var records = Enumerable.Range(1, 10).Select(n => Record(n, refIds: 1000)).ToArray();

        var rows = AuditTable.ToEntities(records);

        Assert.InRange(rows.Count, 4, 5);
        Assert.Single(rows.Select(r => r.PartitionKey).Distinct());
        Assert.Equal(rows.Count, rows.Select(r => r.RowKey).Distinct().Count());
        Assert.All(rows, r => Assert.InRange(r.GetBinary("Records")!.Length, 1, 64 * 1024));
        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(n => (long)n), rows.OrderBy(r => r.RowKey, StringComparer.Ordinal).SelectMany(AuditTable.FromEntity).Select(r => r.Sequence));
    }

    [Fact]
    public void A_row_written_one_record_per_row_by_earlier_versions_still_reads()
    {
        var row = new TableEntity("20261201-app-1", "0000000000000000001-writer-0000000000000000001")
        {
            ["Ticks"] = Time.UtcTicks,
            ["Action"] = "key.create",
            ["Outcome"] = "succeeded",
            ["KeyId"] = "bootstrap",
            ["Target"] = "key-2",
            ["RefIds"] = "",
            ["Counts"] = "",
            ["WriterId"] = "writer",
            ["Sequence"] = 4L,
            ["RootKeyId"] = "root",
            ["Mac"] = new byte[] { 9 },
        };

        var record = Assert.Single(AuditTable.FromEntity(row));

        Assert.Equal(("app-1", Time, "key.create", "key-2", 4L, "writer"), (record.Stream, record.Time, record.Action, record.Target, record.Sequence, record.WriterId));
    }

    public static TheoryData<string, object> AlteredColumns => new()
    {
        { "Records", Encoding.UTF8.GetBytes("[null]") },
        { "Records", Encoding.UTF8.GetBytes("not json") },
        { "Records", Encoding.UTF8.GetBytes("[]") },
        { "Records", "a string where bytes belong" },
    };

    [Theory]
    [MemberData(nameof(AlteredColumns))]
    public void A_row_with_altered_columns_reads_as_one_empty_record_numbered_0_instead_of_failing(string column, object value)
    {
        var row = Assert.Single(AuditTable.ToEntities([Record(5)]));
        row[column] = value;

        var read = Assert.Single(AuditTable.FromEntity(row));

        Assert.Equal((0L, "", "writer"), (read.Sequence, read.Action, read.WriterId));
    }

    [Theory]
    [InlineData("a string where a number belongs")]
    [InlineData(long.MaxValue)]
    public void A_row_whose_time_was_altered_still_reads_its_records_at_the_earliest_time(object ticks)
    {
        var row = Assert.Single(AuditTable.ToEntities([Record(5)]));
        row["Ticks"] = ticks;

        var read = Assert.Single(AuditTable.FromEntity(row));

        Assert.Equal((5L, DateTimeOffset.MinValue), (read.Sequence, read.Time));
    }

    [Fact]
    public void A_legacy_row_with_a_mistyped_column_reads_as_one_empty_record()
    {
        var row = new TableEntity("20261201-app-1", "k") { ["Ticks"] = Time.UtcTicks, ["Action"] = "key.create", ["Sequence"] = "four", ["WriterId"] = "writer" };

        Assert.Equal(0L, Assert.Single(AuditTable.FromEntity(row)).Sequence);
    }
}
