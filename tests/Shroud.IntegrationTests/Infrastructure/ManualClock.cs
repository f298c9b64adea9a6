namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>
/// A clock the tests move forward, so TTLs expire without sleeping. It starts at the top of the current
/// UTC hour: records are partitioned by expiry minute (by expiry hour before), so a test's outcome must not depend on
/// the minute it runs.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = StartOfHour(DateTimeOffset.UtcNow);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;

    private static DateTimeOffset StartOfHour(DateTimeOffset time) =>
        new(time.Year, time.Month, time.Day, time.Hour, 0, 0, TimeSpan.Zero);
}
