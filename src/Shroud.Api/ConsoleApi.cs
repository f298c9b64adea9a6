using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>
/// <c>GET /api/console/{*path}</c>: the admin console, static files embedded in this assembly so that both hosts serve
/// the same bytes without a deployment step of their own. Anonymous, like the files of any sign-in page: the console
/// holds no data and calls the API with the key its user types.
/// </summary>
/// <remarks>
/// A file is looked up by its exact name among the embedded ones, never on a disk, so no path (<c>..</c>, encoded
/// separators, absolute paths) can reach anything else. Every answer carries a Content-Security-Policy that lets the
/// page run only its own scripts and styles and call only its own origin, and forbids framing.
/// </remarks>
public sealed class ConsoleApi
{
    /// <summary>Where the console's files live, relative to the <c>api</c> prefix.</summary>
    public const string Folder = "console";

    public const string IndexFile = "index.html";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private const string ResourcePrefix = Folder + "/";

    private readonly FrozenDictionary<string, ConsoleFile> files = Load();

    /// <summary>The names of the files the console serves (<c>index.html</c>, <c>console.js</c>, …).</summary>
    public IEnumerable<string> FileNames => files.Keys;

    public async Task<IResult> ServeAsync(HttpRequest request, string? path)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        if (string.IsNullOrEmpty(path))
        {
            // "/api/console" without its slash would resolve the page's relative links against /api/.
            return request.Path.Value?.EndsWith('/') == true
                ? Serve(files[IndexFile])
                : TypedResults.Redirect(Folder + "/");
        }

        return files.TryGetValue(path, out var file)
            ? Serve(file)
            : Problems.From(ShroudError.NotFound, "The console has no such file.");
    }

    private static IResult Serve(ConsoleFile file) => TypedResults.Bytes(file.Content, file.ContentType);

    private static FrozenDictionary<string, ConsoleFile> Load()
    {
        var assembly = typeof(ConsoleApi).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var loaded = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..].Replace('\\', '/');
            var contentType = types.TryGetContentType(name, out var type)
                ? type.StartsWith("text/", StringComparison.Ordinal) ? type + "; charset=utf-8" : type
                : throw new InvalidOperationException($"The console file '{name}' has no known content type.");
            loaded[name] = new ConsoleFile(Read(assembly, resource), contentType);
        }

        return loaded.ContainsKey(IndexFile)
            ? loaded.ToFrozenDictionary(StringComparer.Ordinal)
            : throw new InvalidOperationException("The console's index.html is not embedded in Shroud.Api.");
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed record ConsoleFile(byte[] Content, string ContentType);
}
