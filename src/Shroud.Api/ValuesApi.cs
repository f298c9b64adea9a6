using Microsoft.AspNetCore.Http;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Audit;
using Shroud.Core.Records;

namespace Shroud.Api;

/// <summary><c>encrypt</c> and <c>decrypt</c>, each in a single form and a batch form of up to 100 items.</summary>
public sealed class ValuesApi(Gatekeeper gatekeeper, Vault vault)
{
    public const int MaxBatch = 100;

    public async Task<IResult> EncryptAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Encrypt);
        var body = await ShroudJson.ReadAsync<EncryptRequest>(request, RequestBody.Large, ct);
        if (body.Items is null)
        {
            var single = await vault.SealAsync(appId, [Item("", body.Value, body.Ttl)], ct);
            return TypedResults.Ok(Response(single[0]));
        }

        if (body.Value is not null || body.Ttl is not null)
        {
            throw ShroudException.Invalid("items", "cannot be combined with value or ttl at the top level.");
        }

        CheckBatch(body.Items.Count, "items");
        var items = body.Items.Select((item, i) => Item($"items[{i}]", item?.Value, item?.Ttl)).ToList();
        var sealedValues = await vault.SealAsync(appId, items, ct);
        return TypedResults.Ok(new ItemsResponse<EncryptResponse>(sealedValues.Select(Response).ToList()));
    }

    public async Task<IResult> DecryptAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request, appId, Permissions.Decrypt);
        var audit = new AuditEntry(appId, AuditActions.ValueDecrypt, AuditOutcomes.Succeeded, caller.Name);
        var body = await ShroudJson.ReadAsync<DecryptRequest>(request, RequestBody.Medium, ct);
        if (body.Refs is null)
        {
            var single = await vault.RevealAsync(appId, [("ref", body.Ref ?? throw ShroudException.Invalid("ref", "is required (or send refs for a batch)."))], audit, ct);
            return TypedResults.Ok(Response(single[0]));
        }

        if (body.Ref is not null)
        {
            throw ShroudException.Invalid("refs", "cannot be combined with ref.");
        }

        CheckBatch(body.Refs.Count, "refs");
        var references = body.Refs.Select((r, i) => ($"refs[{i}]", r ?? throw ShroudException.Invalid($"refs[{i}]", "is required."))).ToList();
        var revealed = await vault.RevealAsync(appId, references, audit, ct);
        return TypedResults.Ok(new ItemsResponse<DecryptResponse>(revealed.Select(Response).ToList()));
    }

    private static SealItem Item(string path, string? value, string? ttl)
    {
        var prefix = path.Length == 0 ? "" : path + ".";
        return new SealItem(
            prefix + "value",
            value ?? throw ShroudException.Invalid(prefix + "value", path.Length == 0 ? "is required (or send items for a batch)." : "is required."),
            ttl is null ? null : Duration(prefix + "ttl", ttl),
            TtlField: prefix + "ttl");
    }

    /// <summary>A TTL from a request: an ISO-8601 duration of fixed length (no years or months).</summary>
    public static TimeSpan Duration(string field, string text) =>
        IsoDuration.Parse(text, out var error) ?? throw ShroudException.Invalid(field, error);

    /// <summary>A batch holds 1 to <see cref="MaxBatch"/> items.</summary>
    public static void CheckBatch(int count, string field)
    {
        if (count == 0)
        {
            throw ShroudException.Invalid(field, "must hold at least one item.");
        }

        if (count > MaxBatch)
        {
            throw new ShroudException(ShroudError.BatchTooLarge, $"A batch holds at most {MaxBatch} items; this one holds {count}.");
        }
    }

    private static EncryptResponse Response(SealedValue value) => new(value.Reference, value.ExpiresAt, value.Redacted);

    private static DecryptResponse Response(RevealedValue value) => new(value.Value, value.Expired, value.ExpiresAt);
}
