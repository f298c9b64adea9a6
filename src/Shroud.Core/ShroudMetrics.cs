using System.Diagnostics.Metrics;

namespace Shroud.Core;

/// <summary>What was sealed or revealed: a text or JSON value, or a media file.</summary>
public enum SealedKind
{
    Value,
    Media,
}

/// <summary>Why a value was answered with its redacted form instead of its plaintext.</summary>
public enum RedactionReason
{
    /// <summary>Its expiry (in the reference or in the record) has passed.</summary>
    Expired,

    /// <summary>The reference is still within its expiry but its record or blob is gone.</summary>
    Gone,
}

/// <summary>
/// The outcome counters operators alert on. Tags name a kind, a reason or an error code from a closed set and nothing
/// else: never an app, a value, a reference, a key or a file name, so no counter can leak one and no caller can grow
/// a metric's cardinality.
/// </summary>
public sealed class ShroudMetrics
{
    public const string MeterName = "Shroud.Core";
    public const string SealedName = "shroud.values.sealed";
    public const string RevealedName = "shroud.values.revealed";
    public const string RedactedName = "shroud.values.redacted";
    public const string RefusedName = "shroud.calls.refused";
    public const string KindTag = "shroud.kind";
    public const string ReasonTag = "shroud.reason";

    private readonly Counter<long> sealedValues;
    private readonly Counter<long> revealedValues;
    private readonly Counter<long> redactedValues;
    private readonly Counter<long> refusedCalls;

    public ShroudMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        sealedValues = meter.CreateCounter<long>(SealedName, "{value}", "Values and media files sealed.");
        revealedValues = meter.CreateCounter<long>(RevealedName, "{value}", "Values and media files revealed as plaintext.");
        redactedValues = meter.CreateCounter<long>(RedactedName, "{value}", "Reveals answered with the redacted form because the value expired or is gone.");
        refusedCalls = meter.CreateCounter<long>(RefusedName, "{call}", "Calls refused for a missing or invalid API key (unauthorized) or a missing permission (forbidden).");
    }

    public void Sealed(SealedKind kind, int count) => sealedValues.Add(count, Kind(kind));

    public void Revealed(SealedKind kind, int count) => revealedValues.Add(count, Kind(kind));

    public void Redacted(SealedKind kind, RedactionReason reason) =>
        redactedValues.Add(1, Kind(kind), new KeyValuePair<string, object?>(ReasonTag, reason == RedactionReason.Expired ? "expired" : "gone"));

    /// <summary>Counts a call the gatekeeper refused, tagged with the error's stable code.</summary>
    public void Refused(ShroudError error) => refusedCalls.Add(1, new KeyValuePair<string, object?>(ReasonTag, error.Code));

    private static KeyValuePair<string, object?> Kind(SealedKind kind) => new(KindTag, kind == SealedKind.Media ? "media" : "value");
}
