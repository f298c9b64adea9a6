using Azure;

namespace Shroud.Core.Configurations;

/// <summary>An administrator's decision of what is sensitive in a conversation, and for how long sealed values live.</summary>
public sealed record EncryptionConfiguration(
    string Id,
    string Name,
    bool EncryptUserMessages,
    bool EncryptBotMessages,
    bool EncryptAgentMessages,
    bool Transport,
    bool Transcript,
    bool EncryptMedia,
    IReadOnlyList<string> SensitiveVariables,
    TimeSpan? Ttl,
    ETag ETag = default);
