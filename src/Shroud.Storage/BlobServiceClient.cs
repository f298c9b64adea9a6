using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Options for the blob clients: retries (408/429/5xx and I/O errors by default), diagnostics, transport and custom policies.</summary>
public sealed class BlobClientOptions : ClientOptions
{
}

/// <summary>Client for one storage account's Blob service: <see cref="BlobContainerClient"/> instances sharing one pipeline.</summary>
public sealed class BlobServiceClient
{
    private readonly BlobPipeline _pipeline;

    /// <summary>Creates a client authenticated with a token credential (e.g. managed identity) for an https account endpoint.</summary>
    public BlobServiceClient(Uri endpoint, TokenCredential credential, BlobClientOptions? options = null)
        : this(endpoint, new BearerTokenAuthenticationPolicy(credential ?? throw new ArgumentNullException(nameof(credential)), "https://storage.azure.com/.default"), options)
    {
    }

    private BlobServiceClient(Uri endpoint, HttpPipelinePolicy authentication, BlobClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _pipeline = new BlobPipeline(endpoint, HttpPipelineBuilder.Build(options ?? new BlobClientOptions(), authentication));
    }

    /// <summary>The account's Blob service endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>Creates a SharedKey client from "UseDevelopmentStorage=true" (http://127.0.0.1:10000/devstoreaccount1) or an account connection string (BlobEndpoint, or protocol + account + EndpointSuffix).</summary>
    /// <exception cref="FormatException">The connection string is malformed; the message never repeats it.</exception>
    public static BlobServiceClient FromConnectionString(string connectionString, BlobClientOptions? options = null)
    {
        var parsed = StorageConnectionString.Parse(connectionString);
        return new BlobServiceClient(parsed.BlobEndpoint, new BlobSharedKeyPolicy(parsed.AccountName, Convert.FromBase64String(parsed.AccountKey)), options);
    }

    /// <summary>A client for one container (no request is made).</summary>
    /// <exception cref="ArgumentException">Not a valid container name (3-63 lowercase letters, digits and single hyphens).</exception>
    public BlobContainerClient GetContainerClient(string containerName) => new(_pipeline, BlobPipeline.ValidateContainerName(containerName));
}
