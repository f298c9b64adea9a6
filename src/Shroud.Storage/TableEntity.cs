using System.Collections;
using System.Globalization;
using Azure;

namespace Shroud.Storage;

/// <summary>A table entity: keys, system properties and a bag of typed properties (string, byte[], int, long, bool, double, DateTimeOffset, Guid).</summary>
/// <remarks>
/// Enumeration and the indexer cover the custom properties only; PartitionKey, RowKey, Timestamp and odata.* names are reserved.
/// Assigning null removes a property. Typed getters return null for a missing property, convert the string forms the
/// service may return (Int64, DateTime, Binary, Guid, Double) and throw <see cref="InvalidOperationException"/> for other types.
/// </remarks>
public sealed class TableEntity : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly Dictionary<string, object> _properties = new(StringComparer.Ordinal);
    private string _partitionKey;
    private string _rowKey;

    /// <summary>Creates an entity with the given keys and no properties.</summary>
    public TableEntity(string partitionKey, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(rowKey);
        _partitionKey = partitionKey;
        _rowKey = rowKey;
    }

    /// <summary>The partition key.</summary>
    public string PartitionKey
    {
        get => _partitionKey;
        set => _partitionKey = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The row key.</summary>
    public string RowKey
    {
        get => _rowKey;
        set => _rowKey = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The entity's ETag as last read (default when the entity was built locally).</summary>
    public ETag ETag { get; set; }

    /// <summary>The service's last-modified time as last read; never written.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Gets or sets a custom property; null removes it.</summary>
    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(CheckName(name));
        set
        {
            CheckName(name);
            if (value is null)
            {
                _properties.Remove(name);
                return;
            }

            _properties[name] = value is string or byte[] or int or long or bool or double or DateTimeOffset or Guid
                ? value
                : throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}.", nameof(value));
        }
    }

    /// <summary>Whether a custom property with this name is present.</summary>
    public bool ContainsKey(string name) => _properties.ContainsKey(name);

    /// <summary>Gets a string property.</summary>
    public string? GetString(string name) => this[name] switch
    {
        null => null,
        string s => s,
        var other => throw Mismatch(name, other, "String"),
    };

    /// <summary>Gets a binary property (also from a base64 string).</summary>
    public byte[]? GetBinary(string name) => this[name] switch
    {
        null => null,
        byte[] b => b,
        string s when TryFromBase64(s) is { } b => b,
        var other => throw Mismatch(name, other, "Binary"),
    };

    /// <summary>Gets an Int32 property (also from an in-range Int64 or a numeric string).</summary>
    public int? GetInt32(string name) => this[name] switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        var other => throw Mismatch(name, other, "Int32"),
    };

    /// <summary>Gets an Int64 property (also from an Int32 or a numeric string).</summary>
    public long? GetInt64(string name) => this[name] switch
    {
        null => null,
        long l => l,
        int i => i,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        var other => throw Mismatch(name, other, "Int64"),
    };

    /// <summary>Gets a Boolean property.</summary>
    public bool? GetBoolean(string name) => this[name] switch
    {
        null => null,
        bool b => b,
        var other => throw Mismatch(name, other, "Boolean"),
    };

    /// <summary>Gets a DateTime property (also from an ISO-8601 string; strings without offset are UTC).</summary>
    public DateTimeOffset? GetDateTimeOffset(string name) => this[name] switch
    {
        null => null,
        DateTimeOffset d => d,
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) => d,
        var other => throw Mismatch(name, other, "DateTime"),
    };

    /// <summary>Gets a Double property (also from Int32, Int64 or a numeric string such as "NaN").</summary>
    public double? GetDouble(string name) => this[name] switch
    {
        null => null,
        double d => d,
        int i => i,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        var other => throw Mismatch(name, other, "Double"),
    };

    /// <summary>Gets a Guid property (also from a string).</summary>
    public Guid? GetGuid(string name) => this[name] switch
    {
        null => null,
        Guid g => g,
        string s when Guid.TryParse(s, out var g) => g,
        var other => throw Mismatch(name, other, "Guid"),
    };

    /// <summary>Enumerates the custom properties.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var property in _properties)
        {
            yield return new(property.Key, property.Value);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool IsReserved(string name) =>
        name is "PartitionKey" or "RowKey" or "Timestamp" || name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains('@');

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return IsReserved(name)
            ? throw new ArgumentException($"Property name '{name}' is reserved; use the PartitionKey, RowKey, Timestamp and ETag members.", nameof(name))
            : name;
    }

    private static byte[]? TryFromBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }

    private static InvalidOperationException Mismatch(string name, object value, string type) =>
        new($"Property '{name}' holds a {value.GetType().Name} that cannot be read as {type}.");
}
