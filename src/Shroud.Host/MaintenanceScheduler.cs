using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Maintenance;

namespace Shroud.Host;

/// <summary>Runs the maintenance job on the <c>Maintenance__Schedule</c> NCRONTAB schedule, as the Functions timer does in Azure.</summary>
public sealed class MaintenanceScheduler(MaintenanceJob job, IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<MaintenanceScheduler> logger)
    : BackgroundService
{
    // Waits in bounded steps: Task.Delay takes at most about 49 days, and the clock may be changed meanwhile.
    private static readonly TimeSpan MaxStep = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The schedule was validated when the host started.
        MaintenanceSchedule.TryParse(options.Value.Schedule, out var schedule);
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
                await job.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("Scheduled maintenance failed ({ExceptionType}); the next run resumes it", e.GetType().Name);
            }

            next = schedule.Next(clock.GetUtcNow());
        }
    }
}
