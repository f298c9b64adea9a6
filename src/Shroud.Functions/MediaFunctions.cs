using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>Media: sealed into blob storage on upload, streamed back (or redacted) on reveal.</summary>
public sealed class MediaFunctions(MediaApi media)
{
    [Function(nameof(SealMedia))]
    public Task<IActionResult> SealMedia([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Media)] HttpRequest request, string appId) =>
        media.SealAsync(request, appId).AsActionResult();

    [Function(nameof(RevealMedia))]
    public Task<IActionResult> RevealMedia([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.MediaReveal)] HttpRequest request, string appId) =>
        media.RevealAsync(request, appId).AsActionResult();
}
