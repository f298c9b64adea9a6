using Microsoft.AspNetCore.Http;

namespace Shroud.Api;

/// <summary>
/// Shroud's answers carry references, API keys and plaintext, so no cache between Shroud and its caller may keep one:
/// every answer says <c>no-store</c>, errors and health included, rather than a list of routes that must not forget it.
/// </summary>
public static class CachePolicy
{
    public static void Apply(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
