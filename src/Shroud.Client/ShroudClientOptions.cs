namespace Shroud.Client;

/// <summary>Where Shroud is, the key to call it with, and the app the calls are about.</summary>
public sealed class ShroudClientOptions
{
    /// <summary>The deployment's address, such as <c>https://shroud.example.com/</c>; the routes are under its <c>api/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An app key (<c>shk_…</c>), sent as <c>Authorization: Bearer</c>; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The app every call is about.</summary>
    public string? AppId { get; set; }

    /// <summary>How often a <c>503</c> is retried (requests safe to repeat only). 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits out; a longer one is thrown to the caller at once, with
    /// <see cref="ShroudException.RetryAfter"/>, rather than holding the call.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}
