using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>What the table and blob pipelines share: the account URL, dated requests, sending, and failure mapping.</summary>
internal abstract class StoragePipeline(Uri endpoint, HttpPipeline pipeline, string service, string serviceVersion)
{
    /// <summary>The account endpoint with a trailing slash, e.g. http://127.0.0.1:10002/devstoreaccount1/.</summary>
    public string BaseUri { get; } = endpoint.AbsoluteUri.TrimEnd('/') + "/";

    /// <summary>Any status outside 2xx; judged from the status, not <see cref="Response.IsError"/>, so substituted responses are classified too.</summary>
    public static bool Failed(Response response) => response.Status is < 200 or >= 300;

    /// <summary>Sends the message; transport failures (after retries) become <see cref="StorageException"/> with status 0.</summary>
    public async Task<Response> SendAsync(HttpMessage message, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return message.Response;
        }
        catch (RequestFailedException e) when (e.Status == 0)
        {
            throw new StorageException(0, null, $"{service} storage {operation} got no response: {e.InnerException?.Message ?? e.Message}", innerException: e);
        }
    }

    protected HttpMessage NewMessage(RequestMethod method, string path)
    {
        var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(new Uri(BaseUri + path));
        request.Headers.SetValue("x-ms-version", serviceVersion);
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)); // SharedKey re-dates each attempt
        return message;
    }

    protected static StorageException Failure(string service, Response response, string operation, string? code) =>
        new(response.Status, code, $"{service} storage {operation} failed with status {response.Status} ({code ?? "no error code"}).");
}
