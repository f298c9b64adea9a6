namespace Shroud.Client;

public sealed partial class ShroudClient
{
    /// <summary>Seals one value (permission <c>encrypt</c>); <paramref name="ttl"/> defaults to the app's.</summary>
    /// <remarks>Retried on 503: a failed call returns no reference, and a value without its reference can never be opened.</remarks>
    public async Task<EncryptedValue> EncryptAsync(string value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<EncryptedValue>(
            Request(HttpMethod.Post, AppPath("/encrypt"), Json(new EncryptItem(value, ttl)), safeToRepeat: true), cancellationToken)).Value;

    /// <summary>Seals up to 100 values in one call, answered in the same order.</summary>
    public async Task<IReadOnlyList<EncryptedValue>> EncryptBatchAsync(IEnumerable<EncryptItem> items, CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<ItemList<EncryptedValue>>(
            Request(HttpMethod.Post, AppPath("/encrypt"), Json(new { items = items.ToList() }), safeToRepeat: true), cancellationToken)).Value.Items;

    /// <summary>
    /// The plaintext of a reference (permission <c>decrypt</c>); a value past its TTL throws <see cref="ShroudException"/>
    /// with code <see cref="ShroudException.ValueExpiredCode"/> (410). Use <see cref="TryDecryptAsync"/> to get the
    /// redaction text instead.
    /// </summary>
    public async Task<string> DecryptAsync(string reference, CancellationToken cancellationToken = default)
    {
        var revealed = await RevealAsync(reference, cancellationToken);
        return revealed.Expired ? throw ShroudException.Expired() : revealed.Value;
    }

    /// <summary>The plaintext of a reference, or the app's redaction text once it has expired; other problems (an invalid reference, a missing permission) still throw.</summary>
    public async Task<string> TryDecryptAsync(string reference, CancellationToken cancellationToken = default) =>
        (await RevealAsync(reference, cancellationToken)).Value;

    /// <summary>Reveals up to 100 references in one call, in the same order; expired ones come back redacted with <see cref="DecryptedValue.Expired"/> set.</summary>
    public async Task<IReadOnlyList<DecryptedValue>> DecryptBatchAsync(IEnumerable<string> references, CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<ItemList<DecryptedValue>>(
            Request(HttpMethod.Post, AppPath("/decrypt"), Json(new { refs = references.ToList() }), safeToRepeat: true), cancellationToken)).Value.Items;

    private async Task<DecryptedValue> RevealAsync(string reference, CancellationToken cancellationToken) =>
        (await SendJsonAsync<DecryptedValue>(
            Request(HttpMethod.Post, AppPath("/decrypt"), Json(new { @ref = reference }), safeToRepeat: true), cancellationToken)).Value;
}
