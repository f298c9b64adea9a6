using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;

namespace Shroud.Storage;

/// <summary>Entity operations on one table; every method is one HTTP request (plus pipeline retries), except <see cref="QueryAsync"/> which pages.</summary>
public sealed class TableClient
{
    private readonly TablePipeline _pipeline;

    internal TableClient(TablePipeline pipeline, string name)
    {
        _pipeline = pipeline;
        Name = name;
    }

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <summary>Inserts the entity; an existing one fails with status 409, ErrorCode "EntityAlreadyExists".</summary>
    public async Task<ETag> AddEntityAsync(TableEntity entity, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = _pipeline.CreateMessage(RequestMethod.Post, Name, EntityJson.Write(entity));
        return await WriteAsync(message, "AddEntity", ct).ConfigureAwait(false);
    }

    /// <summary>Inserts the entity, or merges into / replaces the existing one.</summary>
    public async Task<ETag> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateWrite(entity, mode);
        return await WriteAsync(message, "UpsertEntity", ct).ConfigureAwait(false);
    }

    /// <summary>Merges into or replaces an existing entity if its ETag still matches <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any); else 412 "UpdateConditionNotSatisfied", or 404 when missing.</summary>
    public async Task<ETag> UpdateEntityAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (ifMatch == default)
        {
            throw new ArgumentException("An update needs an ETag; pass ETag.All to update unconditionally.", nameof(ifMatch));
        }

        using var message = CreateWrite(entity, mode);
        message.Request.Headers.SetValue("If-Match", ifMatch.ToString());
        return await WriteAsync(message, "UpdateEntity", ct).ConfigureAwait(false);
    }

    /// <summary>Point read in one request; null when the entity does not exist (a missing table still throws).</summary>
    public async Task<TableEntity?> GetEntityIfExistsAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(rowKey);
        using var message = _pipeline.CreateMessage(RequestMethod.Get, TablePipeline.EntityPath(Name, partitionKey, rowKey));
        AppendSelect(message, select);
        var response = await _pipeline.SendAsync(message, Describe("GetEntity"), ct).ConfigureAwait(false);
        if (response.Status == 404 && TablePipeline.ErrorCode(response) != "TableNotFound")
        {
            return null;
        }

        if (TablePipeline.Failed(response))
        {
            throw TablePipeline.Failure(response, Describe("GetEntity"));
        }

        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var entity = EntityJson.Read(json.RootElement);
        entity.PartitionKey = partitionKey;
        entity.RowKey = rowKey;
        if (response.Headers.ETag is { } etag)
        {
            entity.ETag = etag;
        }

        return entity;
    }

    /// <summary>All entities matching the OData filter (null for all), page by page; keys are empty when <paramref name="select"/> omits them.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var columns = select?.ToArray();
        string? continuationToken = null;
        do
        {
            var page = await QueryPageAsync(filter, columns, maxPerPage, continuationToken, ct).ConfigureAwait(false);
            foreach (var entity in page.Items)
            {
                yield return entity;
            }

            continuationToken = page.ContinuationToken;
        }
        while (continuationToken is not null);
    }

    /// <summary>One query request (at most 1,000 entities; a page may be empty yet have a continuation); resume with the returned token.</summary>
    public async Task<TablePage> QueryPageAsync(string? filter, IEnumerable<string>? select, int? maxPerPage, string? continuationToken, CancellationToken ct = default)
    {
        if (maxPerPage is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), "A page holds 1 to 1000 entities.");
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Get, Name + "()");
        var uri = message.Request.Uri;
        if (filter is not null)
        {
            uri.AppendQuery("$filter", filter);
        }

        AppendSelect(message, select);
        if (maxPerPage is { } top)
        {
            uri.AppendQuery("$top", top.ToString(CultureInfo.InvariantCulture));
        }

        if (continuationToken is not null)
        {
            var (nextPartitionKey, nextRowKey) = ParseContinuation(continuationToken);
            uri.AppendQuery("NextPartitionKey", nextPartitionKey);
            if (nextRowKey.Length > 0)
            {
                uri.AppendQuery("NextRowKey", nextRowKey);
            }
        }

        var response = await _pipeline.SendAsync(message, Describe("Query"), ct).ConfigureAwait(false);
        if (TablePipeline.Failed(response))
        {
            throw TablePipeline.Failure(response, Describe("Query"));
        }

        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var items = json.RootElement.GetProperty("value").EnumerateArray().Select(EntityJson.Read).ToList();
        var next = response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var partitionKey)
            ? $"{Uri.EscapeDataString(partitionKey)} {(response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var rowKey) ? Uri.EscapeDataString(rowKey) : "")}"
            : null;
        return new TablePage(items, next);
    }

    /// <summary>Deletes the entity if its ETag matches (default means "*"); false when it does not exist, 412 when the ETag is stale.</summary>
    public async Task<bool> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(rowKey);
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, TablePipeline.EntityPath(Name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch == default ? "*" : ifMatch.ToString());
        var response = await _pipeline.SendAsync(message, Describe("DeleteEntity"), ct).ConfigureAwait(false);
        if (response.Status == 404 && TablePipeline.ErrorCode(response) != "TableNotFound")
        {
            return false;
        }

        return TablePipeline.Failed(response) ? throw TablePipeline.Failure(response, Describe("DeleteEntity")) : true;
    }

    /// <summary>Runs 1 to 100 actions on one partition as one atomic entity-group transaction in one request.</summary>
    /// <exception cref="ArgumentException">No actions, more than 100, or more than one PartitionKey.</exception>
    /// <exception cref="StorageException">The transaction failed and wrote nothing; <see cref="StorageException.FailedActionIndex"/> names the action.</exception>
    public async Task SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is < 1 or > 100)
        {
            throw new ArgumentException("A transaction holds 1 to 100 actions.", nameof(actions));
        }

        if (actions.Any(a => a?.Entity is null) || actions.Select(a => a.Entity.PartitionKey).Distinct(StringComparer.Ordinal).Skip(1).Any())
        {
            throw new ArgumentException("All actions of a transaction need an entity with the same PartitionKey.", nameof(actions));
        }

        var (body, contentType) = TableBatch.Write(_pipeline.BaseUri, Name, actions);
        using var message = _pipeline.CreateMessage(RequestMethod.Post, "$batch");
        message.Request.Headers.SetValue("Content-Type", contentType);
        message.Request.Content = RequestContent.Create(body);
        var response = await _pipeline.SendAsync(message, Describe("Transaction"), ct).ConfigureAwait(false);
        if (TablePipeline.Failed(response))
        {
            throw TablePipeline.Failure(response, Describe("Transaction"));
        }

        if (TableBatch.ReadFailure(Encoding.UTF8.GetString(response.Content.ToMemory().Span)) is { } failure)
        {
            var at = failure.Index is { } index ? $" at action {index}" : "";
            throw new StorageException(
                failure.Status,
                failure.Code,
                $"Table storage {Describe("Transaction")} failed{at} with status {failure.Status} ({failure.Code ?? "no error code"}).",
                failure.Index);
        }
    }

    private static void AppendSelect(HttpMessage message, IEnumerable<string>? select)
    {
        if (select is not null)
        {
            message.Request.Uri.AppendQuery("$select", string.Join(',', select));
        }
    }

    private static (string PartitionKey, string RowKey) ParseContinuation(string token)
    {
        var parts = token.Split(' ');
        return parts.Length == 2 && parts[0].Length > 0
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : throw new ArgumentException("The continuation token is malformed.", nameof(token));
    }

    private HttpMessage CreateWrite(TableEntity entity, TableUpdateMode mode) =>
        _pipeline.CreateMessage(mode == TableUpdateMode.Merge ? RequestMethod.Patch : RequestMethod.Put, TablePipeline.EntityPath(Name, entity.PartitionKey, entity.RowKey), EntityJson.Write(entity));

    private async Task<ETag> WriteAsync(HttpMessage message, string operation, CancellationToken ct)
    {
        var response = await _pipeline.SendAsync(message, Describe(operation), ct).ConfigureAwait(false);
        return TablePipeline.Failed(response) ? throw TablePipeline.Failure(response, Describe(operation)) : response.Headers.ETag ?? default;
    }

    private string Describe(string operation) => $"{operation} on table '{Name}'";
}
