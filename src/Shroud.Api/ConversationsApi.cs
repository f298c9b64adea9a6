using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Events;

namespace Shroud.Api;

/// <summary>Per-conversation encryption, started and ended by a bot's intent actions (<c>encrypt</c>).</summary>
public sealed class ConversationsApi(Gatekeeper gatekeeper, AppDirectory directory, IConfigurationStore configurations, IConversationStore conversations, ConversationConfigurations states, TimeProvider clock, IOptions<ShroudOptions> options, AuditApi audit)
{
    public async Task<Ok<ConversationEncryptionResponse>> StartAsync(HttpRequest request, string appId, string conversationId)
    {
        var ct = await AuthorizeAsync(request, appId, conversationId);
        var body = await ShroudJson.ReadAsync<ConversationEncryptionRequest>(request, RequestBody.Small, ct);
        var id = body.ConfigurationId ?? throw ShroudException.Invalid("configurationId", "is required.");
        if (await configurations.GetAsync(appId, id, ct) is null)
        {
            throw ShroudException.Invalid("configurationId", $"the app has no configuration '{id}'.");
        }

        var now = clock.GetUtcNow();
        var state = new ConversationEncryption(conversationId, id, now, DateTimeOffset.FromUnixTimeSeconds((now + options.Value.ConversationTtl).ToUnixTimeSeconds()));
        await conversations.StartAsync(appId, state, ct);
        states.Forget(appId, conversationId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConversationEncryptionStart, conversationId);
        return TypedResults.Ok(new ConversationEncryptionResponse(conversationId, true, state.ConfigurationId, state.StartedAt));
    }

    public async Task<Ok<ConversationEncryptionResponse>> GetAsync(HttpRequest request, string appId, string conversationId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await AuthorizeAsync(request, appId, conversationId);
        var state = await conversations.GetAsync(appId, conversationId, ct);
        return TypedResults.Ok(new ConversationEncryptionResponse(conversationId, state is not null, state?.ConfigurationId, state?.StartedAt));
    }

    /// <summary>Ends encryption; ending a conversation that is not encrypting is not an error.</summary>
    public async Task<NoContent> EndAsync(HttpRequest request, string appId, string conversationId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await AuthorizeAsync(request, appId, conversationId);
        await conversations.EndAsync(appId, conversationId, ct);
        states.Forget(appId, conversationId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ConversationEncryptionEnd, conversationId);
        return TypedResults.NoContent();
    }

    private async Task<CancellationToken> AuthorizeAsync(HttpRequest request, string appId, string conversationId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Encrypt);
        if (!ConversationEncryption.IsValidId(conversationId))
        {
            throw ShroudException.Invalid("conversationId", $"must be 1 to {ConversationEncryption.MaxIdLength} characters without / \\ # ? or control characters.");
        }

        return ct;
    }
}
