using Shroud.Core;
using Shroud.Core.Maintenance;

namespace Shroud.UnitTests.Maintenance;

public sealed class MaintenanceScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 14, 30, 15, TimeSpan.Zero);

    [Theory]
    [InlineData("0 0 0 * * *", "2026-11-22T00:00:00Z")]
    [InlineData("0 */5 * * * *", "2026-11-21T14:35:00Z")]
    [InlineData("*/10 * * * * *", "2026-11-21T14:30:20Z")]
    [InlineData("0 3 * * *", "2026-11-22T03:00:00Z")]
    public void Next_occurrence_follows_the_expression(string expression, string expected)
    {
        Assert.True(MaintenanceSchedule.TryParse(expression, out var schedule));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule.Next(Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("daily")]
    [InlineData("0 0 0 * *  * *")]
    [InlineData("0 0 25 * * *")]
    public void Invalid_expressions_are_refused(string? expression)
    {
        Assert.False(MaintenanceSchedule.TryParse(expression, out _));
    }

    [Fact]
    public void The_sweep_schedule_defaults_to_every_5_minutes_and_an_invalid_one_is_refused_by_name()
    {
        var validation = new ShroudSettingsValidation();

        Assert.Equal("0 */5 * * * *", new MaintenanceOptions().SweepSchedule);
        Assert.True(validation.Validate(null, new MaintenanceOptions()).Succeeded);
        var refused = validation.Validate(null, new MaintenanceOptions { SweepSchedule = "every 5 minutes" });
        Assert.True(refused.Failed);
        Assert.Contains("Maintenance__SweepSchedule", refused.FailureMessage);
    }
}
