using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Maintenance;

namespace Shroud.Host;

/// <summary>
/// Runs the maintenance job's KEK work on the <c>Maintenance__Schedule</c> NCRONTAB schedule and its sweep on
/// <c>Maintenance__SweepSchedule</c>, as the Functions timers do in Azure.
/// </summary>
public sealed class MaintenanceScheduler(MaintenanceJob job, IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<MaintenanceScheduler> logger)
    : BackgroundService
{
    // Waits in bounded steps: Task.Delay takes at most about 49 days, and the clock may be changed meanwhile.
    private static readonly TimeSpan MaxStep = TimeSpan.FromHours(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            RunOnScheduleAsync(options.Value.Schedule, MaintenanceTasks.Keys, stoppingToken),
            RunOnScheduleAsync(options.Value.SweepSchedule, MaintenanceTasks.Sweep, stoppingToken));

    private async Task RunOnScheduleAsync(string expression, MaintenanceTasks tasks, CancellationToken stoppingToken)
    {
        // The schedules were validated when the host started.
        MaintenanceSchedule.TryParse(expression, out var schedule);
        var next = schedule.Next(clock.GetUtcNow());
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = next - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait < MaxStep ? wait : MaxStep, clock, stoppingToken);
                continue;
            }

            try
            {
                await job.RunAsync(tasks, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("Scheduled maintenance ({MaintenanceTasks}) failed ({ExceptionType}); the next run resumes it", tasks, e.GetType().Name);
            }

            next = schedule.Next(clock.GetUtcNow());
        }
    }
}
