using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace Shroud.Host;

/// <summary>
/// The git-ignored <c>local.settings.json</c> beside <c>local.settings.sample.json</c> at the repository root. Its
/// <c>Values</c> configure <c>func start</c>, and the local host reads the same values, so one file configures both.
/// </summary>
public static class LocalSettingsFile
{
    public const string FileName = "local.settings.json";
    public const string SampleFileName = "local.settings.sample.json";

    /// <summary>The file in the repository root found at or above <paramref name="contentRoot"/>; null when it does not exist.</summary>
    public static string? Find(string contentRoot)
    {
        for (var directory = new DirectoryInfo(contentRoot); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SampleFileName)))
            {
                var path = Path.Combine(directory.FullName, FileName);
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }

    /// <summary>The file's <c>Values</c> as configuration keys: an app setting <c>Section__Key</c> is the key <c>Section:Key</c>.</summary>
    public static Dictionary<string, string?> ReadValues(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        if (root.TryGetProperty("IsEncrypted", out var encrypted) && encrypted.ValueKind == JsonValueKind.True)
        {
            throw new InvalidOperationException($"{path} is encrypted; decrypt it with 'func settings decrypt' to use it with the local host.");
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("Values", out var settings) && settings.ValueKind == JsonValueKind.Object)
        {
            foreach (var setting in settings.EnumerateObject())
            {
                values[setting.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] =
                    setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
            }
        }

        return values;
    }

    /// <summary>
    /// Adds the file's values above the appsettings files and below environment variables and the command line, the
    /// precedence <c>func start</c> gives them.
    /// </summary>
    public static void AddTo(IConfigurationBuilder configuration, string path)
    {
        var sources = configuration.Sources;
        var lastJsonFile = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                lastJsonFile = i;
            }
        }

        sources.Insert(lastJsonFile + 1, new MemoryConfigurationSource { InitialData = ReadValues(path) });
    }
}
