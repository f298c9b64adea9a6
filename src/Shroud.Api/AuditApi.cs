using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;

namespace Shroud.Api;

/// <summary>
/// The audit trail over HTTP: an app's stream (<c>admin</c>), the deployment stream (bootstrap admin key), verification of
/// an app's stream; and the one call every changing handler makes once its change is done.
/// </summary>
public sealed class AuditApi(Gatekeeper gatekeeper, AuditTrail trail, AppDirectory directory, TimeProvider clock)
{
    public const int MaxPageSize = 100;

    /// <summary>How far back a query or verification reaches when it names no <c>from</c>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(1);

    /// <summary>Records a change the request made, by the key it presented (already authorized).</summary>
    public Task RecordChangeAsync(HttpRequest request, string? appId, string action, string? target = null) =>
        trail.WriteAsync(new AuditEntry(appId, action, AuditOutcomes.Succeeded, gatekeeper.KeyIdOf(request.Headers.Authorization), target));

    public async Task<Ok<AuditPageResponse>> QueryAppAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        await directory.EnsureExistsAsync(appId, ct);
        return await QueryAsync(request, appId, ct);
    }

    public async Task<Ok<AuditPageResponse>> QueryDeploymentAsync(HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, null, Permissions.Admin);
        return await QueryAsync(request, AuditTrail.DeploymentStream, ct);
    }

    public async Task<Ok<AuditVerificationResponse>> VerifyAppAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        await directory.EnsureExistsAsync(appId, ct);
        var (from, to) = Range(request);
        var result = await trail.VerifyAsync(appId, from, to, ct);
        return TypedResults.Ok(new AuditVerificationResponse(
            from,
            to,
            result.Records,
            result.Writers,
            result.Findings.Count == 0,
            result.Findings.Select(f => new AuditFindingResponse(f.Kind, f.WriterId, f.FromSequence, f.ToSequence, f.Time)).ToList()));
    }

    private async Task<Ok<AuditPageResponse>> QueryAsync(HttpRequest request, string stream, CancellationToken ct)
    {
        var (from, to) = Range(request);
        var query = request.Query;
        var page = await trail.QueryAsync(
            new AuditQuery(stream, from, to, Text(query["action"]), Text(query["keyId"]), PageSize(request), Text(query["continuationToken"])),
            ct);
        return TypedResults.Ok(new AuditPageResponse(page.Items.Select(Response).ToList(), page.ContinuationToken));
    }

    private (DateTimeOffset From, DateTimeOffset To) Range(HttpRequest request)
    {
        var to = Instant(request, "to") ?? clock.GetUtcNow();
        var from = Instant(request, "from") ?? to - DefaultWindow;
        return from <= to ? (from, to) : throw ShroudException.Invalid("from", "must not be after to.");
    }

    private static int PageSize(HttpRequest request) =>
        Text(request.Query["pageSize"]) is not { } text
            ? MaxPageSize
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxPageSize
                ? size
                : throw ShroudException.Invalid("pageSize", $"must be a whole number from 1 to {MaxPageSize}.");

    private static DateTimeOffset? Instant(HttpRequest request, string name) =>
        Text(request.Query[name]) is not { } text
            ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
                ? value.ToUniversalTime()
                : throw ShroudException.Invalid(name, "must be an ISO-8601 date and time such as 2026-11-21T16:00:00Z.");

    private static string? Text(Microsoft.Extensions.Primitives.StringValues values) => values.ToString() is { Length: > 0 } text ? text : null;

    private static AuditRecordResponse Response(AuditRecord r) =>
        new(r.Time, r.AppId, r.Action, r.Outcome, r.KeyId, r.Target, r.RefIds, r.Counts, r.TraceId, r.WriterId, r.Sequence);
}
