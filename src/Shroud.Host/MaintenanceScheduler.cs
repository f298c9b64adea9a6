using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Maintenance;

namespace Shroud.Host;

/// <summary>Runs the maintenance job on the <c>Maintenance__Schedule</c> NCRONTAB schedule, as the Functions timer does in Azure.</summary>
public sealed class MaintenanceScheduler(MaintenanceJob job, IOptions<MaintenanceOptions> options, TimeProvider clock, ILogger<MaintenanceScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The schedule was validated when the host started.
        MaintenanceSchedule.TryParse(options.Value.Schedule, out var schedule);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            await Task.Delay(schedule.Next(now) - now, clock, stoppingToken);
            try
            {
                await job.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("Scheduled maintenance failed ({ExceptionType}); the next run resumes it", e.GetType().Name);
            }
        }
    }
}
