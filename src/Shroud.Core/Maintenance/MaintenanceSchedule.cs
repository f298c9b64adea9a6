using NCrontab;

namespace Shroud.Core.Maintenance;

/// <summary>The job's NCRONTAB schedule: six fields with seconds (as Functions timers), or the classic five.</summary>
public sealed class MaintenanceSchedule
{
    private readonly CrontabSchedule schedule;

    private MaintenanceSchedule(CrontabSchedule schedule) => this.schedule = schedule;

    public static bool TryParse(string? expression, out MaintenanceSchedule result)
    {
        result = null!;
        var fields = expression?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;
        if (fields is not (5 or 6))
        {
            return false;
        }

        var parsed = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 });
        if (parsed is null)
        {
            return false;
        }

        result = new MaintenanceSchedule(parsed);
        return true;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, in UTC.</summary>
    public DateTimeOffset Next(DateTimeOffset after) =>
        new(DateTime.SpecifyKind(schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));
}
