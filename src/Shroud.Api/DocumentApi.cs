using Microsoft.AspNetCore.Http;

namespace Shroud.Api;

/// <summary>
/// <c>GET /api/openapi.json</c>: anonymous; the committed OpenAPI document (<c>docs/openapi.json</c>), built into this
/// assembly so that both hosts serve the same bytes. The Functions app has no endpoint metadata to generate it from; a
/// test checks that the committed document is the one the local host's endpoints generate.
/// </summary>
public sealed class DocumentApi
{
    public const string ResourceName = "openapi.json";

    private static readonly Lazy<byte[]> Document = new(() =>
    {
        using var resource = typeof(DocumentApi).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly holds no {ResourceName}.");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        return copy.ToArray();
    });

    public async Task<IResult> GetAsync(HttpRequest request)
    {
        await RequestBody.EnsureEmptyAsync(request);
        return TypedResults.Bytes(Document.Value, "application/json; charset=utf-8");
    }
}
