namespace Shroud.Client;

public sealed partial class ShroudClient
{
    /// <summary>Creates an API key of the app (permission <c>admin</c>) holding <paramref name="permissions"/> (encrypt, decrypt, configure, admin); its secret is answered this once.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(string name, IEnumerable<string> permissions, CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<CreatedApiKey>(
            Request(HttpMethod.Post, AppPath("/keys"), Json(new { name, permissions = permissions.ToList() }), safeToRepeat: false), cancellationToken)).Value;

    /// <summary>The app's API keys, revoked ones included, without secrets.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<ApiKey>>(AppPath("/keys"), cancellationToken)).Items;

    public Task RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        SendEmptyAsync(Request(HttpMethod.Delete, AppPath("/keys/" + Uri.EscapeDataString(keyId)), null, safeToRepeat: false), cancellationToken);

    /// <summary>The app KEK versions, newest first, with their retire and destroy times (permission <c>admin</c>).</summary>
    public async Task<IReadOnlyList<AppKek>> ListKeksAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<AppKek>>(AppPath("/kek"), cancellationToken)).Items;

    /// <summary>Rotates the app KEK now and answers the versions.</summary>
    public async Task<IReadOnlyList<AppKek>> RotateKekAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<ItemList<AppKek>>(Request(HttpMethod.Post, AppPath("/kek/rotate"), null, safeToRepeat: false), cancellationToken)).Value.Items;
}
