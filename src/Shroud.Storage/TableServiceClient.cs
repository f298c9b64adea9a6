using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Options for the table clients: retries (408/429/5xx and I/O errors by default), diagnostics, transport and custom policies.</summary>
public sealed class TableClientOptions : ClientOptions
{
}

/// <summary>Client for one storage account's Table service: table management and <see cref="TableClient"/> instances sharing one pipeline.</summary>
public sealed class TableServiceClient
{
    private readonly TablePipeline _pipeline;

    /// <summary>Creates a client authenticated with a token credential (e.g. managed identity) for an https account endpoint.</summary>
    public TableServiceClient(Uri endpoint, TokenCredential credential, TableClientOptions? options = null)
        : this(endpoint, new BearerTokenAuthenticationPolicy(credential ?? throw new ArgumentNullException(nameof(credential)), "https://storage.azure.com/.default"), options)
    {
    }

    private TableServiceClient(Uri endpoint, HttpPipelinePolicy authentication, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _pipeline = new TablePipeline(endpoint, HttpPipelineBuilder.Build(options ?? new TableClientOptions(), authentication));
    }

    /// <summary>The account's Table service endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>Creates a SharedKey client from "UseDevelopmentStorage=true" or an account connection string.</summary>
    public static TableServiceClient FromConnectionString(string connectionString, TableClientOptions? options = null)
    {
        var parsed = StorageConnectionString.Parse(connectionString);
        return new TableServiceClient(parsed.TableEndpoint, new SharedKeyPolicy(parsed.AccountName, Convert.FromBase64String(parsed.AccountKey)), options);
    }

    /// <summary>A client for one table (no request is made).</summary>
    public TableClient GetTableClient(string tableName) => new(_pipeline, TablePipeline.ValidateTableName(tableName));

    /// <summary>Creates the table unless it already exists.</summary>
    public async Task CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Post, "Tables", EntityJson.WriteTableName(TablePipeline.ValidateTableName(tableName)));
        var response = await _pipeline.SendAsync(message, $"CreateTable '{tableName}'", cancellationToken).ConfigureAwait(false);
        if (TablePipeline.Failed(response) && !(response.Status == 409 && TablePipeline.ErrorCode(response) == "TableAlreadyExists"))
        {
            throw TablePipeline.Failure(response, $"CreateTable '{tableName}'");
        }
    }

    /// <summary>Deletes the table if it exists.</summary>
    public async Task DeleteTableIfExistsAsync(string tableName, CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, $"Tables('{TablePipeline.ValidateTableName(tableName)}')");
        var response = await _pipeline.SendAsync(message, $"DeleteTable '{tableName}'", cancellationToken).ConfigureAwait(false);
        if (TablePipeline.Failed(response) && response.Status != 404)
        {
            throw TablePipeline.Failure(response, $"DeleteTable '{tableName}'");
        }
    }

    /// <summary>Lists at most one table to prove the endpoint is reachable and the credentials work; throws <see cref="StorageException"/> otherwise.</summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Get, "Tables");
        message.Request.Uri.AppendQuery("$top", "1");
        var response = await _pipeline.SendAsync(message, "Ping", cancellationToken).ConfigureAwait(false);
        if (TablePipeline.Failed(response))
        {
            throw TablePipeline.Failure(response, "Ping");
        }
    }
}
