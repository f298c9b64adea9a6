using System.Globalization;
using System.Runtime.CompilerServices;

namespace Shroud.Client;

public sealed partial class ShroudClient
{
    /// <summary>One page of the app's audit records, oldest first (permission <c>admin</c>).</summary>
    public Task<AuditPage> GetAuditPageAsync(AuditQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditQuery();
        return GetAsync<AuditPage>(
            AppPath("/audit") + Query(
                ("from", Instant(query.From)),
                ("to", Instant(query.To)),
                ("action", query.Action),
                ("keyId", query.KeyId),
                ("pageSize", query.PageSize?.ToString(CultureInfo.InvariantCulture)),
                ("continuationToken", query.ContinuationToken)),
            cancellationToken);
    }

    /// <summary>Every audit record the query matches, page after page until the service gives no continuation token.</summary>
    public async IAsyncEnumerable<AuditRecord> QueryAuditAsync(AuditQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new AuditQuery();
        while (true)
        {
            var page = await GetAuditPageAsync(query, cancellationToken);
            foreach (var record in page.Items)
            {
                yield return record;
            }

            if (page.ContinuationToken is null)
            {
                yield break;
            }

            query = query with { ContinuationToken = page.ContinuationToken };
        }
    }

    /// <summary>Checks the app's audit records over a range (the last day by default) for gaps and changes.</summary>
    public Task<AuditVerification> VerifyAuditAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        GetAsync<AuditVerification>(AppPath("/audit/verify") + Query(("from", Instant(from)), ("to", Instant(to))), cancellationToken);
}
