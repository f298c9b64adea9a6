using Shroud.Core;
using Shroud.Core.Crypto;
using Shroud.Core.Maintenance;
using Shroud.Core.Records;

namespace Shroud.UnitTests.Records;

/// <summary>
/// What the sweep's query selects, <c>PartitionKey lt ExpiredBound(now) and ExpiresAt lt SweepCutoff(now)</c>, for
/// rows of both layouts: never a live row, always a row that expired 60 s or more ago.
/// </summary>
public sealed class RecordPartitionsTests
{
    // 2030-03-04T05:00:00Z: the expiries below cross the hour and the minutes around it.
    private static readonly DateTimeOffset Hour = new(2030, 3, 4, 5, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan[] Moments =
        [TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(59), TimeSpan.FromMilliseconds(59_999), TimeSpan.FromSeconds(60)];

    private static bool Swept(string partitionKey, DateTimeOffset expiresAt, DateTimeOffset now) =>
        string.CompareOrdinal(partitionKey, RecordPartitions.ExpiredBound(now)) < 0 && expiresAt < RecordPartitions.SweepCutoff(now);

    private static IEnumerable<(ShroudReference Reference, string PartitionKey)> RowsOfBothLayouts()
    {
        for (var second = -3600; second <= 7200; second += 7)
        {
            var reference = ShroudReference.Create("acme", ShroudReference.NewRefId((byte)(second & 0xff)), Hour.AddSeconds(second), Aead.NewKey());
            yield return (reference, RecordPartitions.For(reference));
            yield return (reference, RecordPartitions.HourlyFor(reference));
        }
    }

    [Fact]
    public void A_row_of_either_layout_is_swept_60_seconds_after_its_expiry_and_never_before_it()
    {
        foreach (var (reference, partitionKey) in RowsOfBothLayouts())
        {
            var expiry = reference.ExpiresAt;
            foreach (var offset in Moments)
            {
                Assert.False(Swept(partitionKey, expiry, expiry - offset - TimeSpan.FromTicks(1)), $"{partitionKey} (expires {expiry:O}) swept before it expired");
                Assert.True(Swept(partitionKey, expiry, expiry + TimeSpan.FromSeconds(60) + offset), $"{partitionKey} (expires {expiry:O}) not swept 60 s after");
            }
        }
    }

    [Fact]
    public void Only_hourly_partitions_of_the_current_hour_are_in_the_range_with_live_rows()
    {
        foreach (var (reference, partitionKey) in RowsOfBothLayouts())
        {
            foreach (var now in Moments.Select(m => reference.ExpiresAt - m - TimeSpan.FromTicks(1)))
            {
                var inRange = string.CompareOrdinal(partitionKey, RecordPartitions.ExpiredBound(now)) < 0;
                Assert.False(inRange && partitionKey == RecordPartitions.For(reference), $"live {partitionKey} in the swept range at {now:O}");
                Assert.False(inRange && reference.ExpiresAt.UtcDateTime.Hour != now.UtcDateTime.Hour, $"live {partitionKey} of another hour in the swept range at {now:O}");
            }
        }
    }

    [Fact]
    public void With_the_default_sweep_schedule_a_record_is_deleted_at_most_5_minutes_after_it_expires()
    {
        Assert.True(MaintenanceSchedule.TryParse(new MaintenanceOptions().SweepSchedule, out var schedule));

        var longest = TimeSpan.Zero;
        for (var second = 0; second < 3600; second++)
        {
            var expiry = Hour.AddSeconds(second);
            var partitionKey = RecordPartitions.For(ShroudReference.Create("acme", ShroudReference.NewRefId(3), expiry, Aead.NewKey()));
            var sweep = schedule.Next(expiry);
            while (!Swept(partitionKey, expiry, sweep))
            {
                sweep = schedule.Next(sweep);
            }

            longest = sweep - expiry > longest ? sweep - expiry : longest;
        }

        Assert.Equal(TimeSpan.FromMinutes(5), longest);
    }
}
