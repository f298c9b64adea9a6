using System.Text.Json.Nodes;
using System.Xml;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Configurations;
using Shroud.Core.Records;

namespace Shroud.Api;

/// <summary>Encryption configurations of an app (<c>configure</c>); single-resource answers carry an ETag, and PUT (a full replace), PATCH (a merge patch) and DELETE honour If-Match.</summary>
public sealed class ConfigurationsApi(Gatekeeper gatekeeper, IConfigurationStore store, AppDirectory directory, Vault vault, AuditApi audit)
{
    public const int MaxNameLength = 100;
    public const int MaxVariables = 200;

    public async Task<Ok<ItemsResponse<ConfigurationResponse>>> ListAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var list = await store.ListAsync(appId, ct);
        return TypedResults.Ok(new ItemsResponse<ConfigurationResponse>(list.Select(Response).ToList()));
    }

    public async Task<Created<ConfigurationResponse>> CreateAsync(HttpRequest request, string appId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var body = await ShroudJson.ReadAsync<ConfigurationRequest>(request, RequestBody.Medium, ct);
        var created = await store.CreateAsync(appId, Validate(ConfigurationIds.New(), body), ct);
        directory.Forget(appId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConfigurationCreate, created.Id);
        ETags.Set(request, created.ETag);
        return TypedResults.Created($"/{Routes.Prefix}/{Routes.Configuration.Replace("{appId}", appId).Replace("{configurationId}", created.Id)}", Response(created));
    }

    public async Task<Ok<ConfigurationResponse>> GetAsync(HttpRequest request, string appId, string configurationId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var configuration = await store.GetAsync(appId, configurationId, ct) ?? throw ShroudException.ConfigurationNotFound(configurationId);
        ETags.Set(request, configuration.ETag);
        return TypedResults.Ok(Response(configuration));
    }

    public async Task<Ok<ConfigurationResponse>> ReplaceAsync(HttpRequest request, string appId, string configurationId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var body = await ShroudJson.ReadAsync<ConfigurationRequest>(request, RequestBody.Medium, ct);
        if (!ConfigurationIds.IsValid(configurationId))
        {
            throw ShroudException.ConfigurationNotFound(configurationId);
        }

        var replaced = await store.ReplaceAsync(appId, Validate(configurationId, body), ETags.IfMatch(request), ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConfigurationReplace, configurationId);
        ETags.Set(request, replaced.ETag);
        return TypedResults.Ok(Response(replaced));
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7396): fields present replace the stored ones, <c>null</c> resets a field to its
    /// default, absent fields keep their values. Written only if the configuration is still the version the patch was
    /// applied to (or the one <c>If-Match</c> names).
    /// </summary>
    public async Task<Ok<ConfigurationResponse>> PatchAsync(HttpRequest request, string appId, string configurationId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var patch = await ShroudJson.ReadNodeAsync(request, RequestBody.Medium, ct, ShroudJson.MergePatchMediaType) as JsonObject
            ?? throw new ShroudException(ShroudError.InvalidJson, "A merge patch of a configuration must be a JSON object.");
        var current = (ConfigurationIds.IsValid(configurationId) ? await store.GetAsync(appId, configurationId, ct) : null) ?? throw ShroudException.ConfigurationNotFound(configurationId);
        var merged = (JsonObject)ShroudJson.ToNode(Request(current))!;
        MergePatch.Apply(merged, patch);
        var patched = await store.ReplaceAsync(
            appId, Validate(configurationId, ShroudJson.Deserialize<ConfigurationRequest>(merged)), ETags.IfMatch(request) ?? current.ETag, ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConfigurationPatch, configurationId);
        ETags.Set(request, patched.ETag);
        return TypedResults.Ok(Response(patched));
    }

    public async Task<NoContent> DeleteAsync(HttpRequest request, string appId, string configurationId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        await store.DeleteAsync(appId, configurationId, ETags.IfMatch(request), ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConfigurationDelete, configurationId);
        return TypedResults.NoContent();
    }

    private EncryptionConfiguration Validate(string id, ConfigurationRequest body)
    {
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            throw ShroudException.Invalid("name", $"is required: 1 to {MaxNameLength} characters.");
        }

        var variables = body.SensitiveVariables ?? [];
        if (variables.Count > MaxVariables)
        {
            throw ShroudException.Invalid("sensitiveVariables", $"may name at most {MaxVariables} variables.");
        }

        for (var i = 0; i < variables.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(variables[i]) || variables[i]!.Length > MaxNameLength)
            {
                throw ShroudException.Invalid($"sensitiveVariables[{i}]", $"must be a variable name of 1 to {MaxNameLength} characters.");
            }
        }

        TimeSpan? ttl = body.Ttl is { } text ? vault.CheckTtl(ValuesApi.Duration("ttl", text), "ttl") : null;

        return new EncryptionConfiguration(
            id,
            name,
            body.EncryptUserMessages ?? false,
            body.EncryptBotMessages ?? false,
            body.EncryptAgentMessages ?? false,
            body.Transport ?? false,
            body.Transcript ?? false,
            body.EncryptMedia ?? false,
            variables.Select(v => v!).Distinct(StringComparer.Ordinal).ToList(),
            ttl);
    }

    private static ConfigurationRequest Request(EncryptionConfiguration c) => new(
        c.Name, c.EncryptUserMessages, c.EncryptBotMessages, c.EncryptAgentMessages, c.Transport, c.Transcript, c.EncryptMedia,
        c.SensitiveVariables.ToList(), c.Ttl is { } ttl ? XmlConvert.ToString(ttl) : null);

    private static ConfigurationResponse Response(EncryptionConfiguration c) => new(
        c.Id, c.Name, c.EncryptUserMessages, c.EncryptBotMessages, c.EncryptAgentMessages, c.Transport, c.Transcript, c.EncryptMedia,
        c.SensitiveVariables, c.Ttl is { } ttl ? XmlConvert.ToString(ttl) : null);
}
