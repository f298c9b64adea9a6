using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;
using Shroud.Core.Maintenance;

namespace Shroud.Functions;

/// <summary>The maintenance job: the KEK work and the sweep each on its schedule, and everything on demand over HTTP.</summary>
public sealed class MaintenanceFunctions(MaintenanceApi api, MaintenanceJob job)
{
    [Function(nameof(RunMaintenance))]
    public Task<IActionResult> RunMaintenance([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.MaintenanceRun)] HttpRequest request) =>
        api.RunAsync(request).AsActionResult();

    /// <summary>
    /// Runs on the <c>Maintenance__Schedule</c> app setting. The Functions host resolves <c>%name%</c> in its own
    /// configuration, where an environment variable's <c>__</c> becomes <c>:</c>, so the expression names the setting
    /// with a colon.
    /// </summary>
    [Function(nameof(MaintenanceTimer))]
    public Task MaintenanceTimer([TimerTrigger("%Maintenance:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(MaintenanceTasks.Keys, cancellationToken);

    /// <summary>Deletes expired records on the <c>Maintenance__SweepSchedule</c> app setting, named as above.</summary>
    [Function(nameof(SweepTimer))]
    public Task SweepTimer([TimerTrigger("%Maintenance:SweepSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(MaintenanceTasks.Sweep, cancellationToken);
}
