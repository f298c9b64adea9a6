namespace Shroud.IntegrationTests.Browser;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package, which <c>.ci/run</c> installs), driven by Playwright through
/// its executable path: the tests download no browser.
/// </summary>
public static class Chromium
{
    /// <summary>Overrides where Chromium is looked for.</summary>
    public const string PathVariable = "SHROUD_CHROMIUM";

    private static readonly string[] Candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

    /// <summary>The browser's executable, or null on a machine without one.</summary>
    public static string? Executable { get; } =
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);

    /// <summary>In CI a missing browser fails the browser tests instead of skipping them, so they cannot pass unrun.</summary>
    public static bool Required => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string MissingReason =>
        $"No Chromium found (looked for ${PathVariable}, {string.Join(", ", Candidates)}): install it with 'apt-get install -y chromium'.";
}

/// <summary>A browser test: skipped on a developer machine without Chromium, saying why; run (and failing) in CI.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.Executable is null && !Chromium.Required)
        {
            Skip = Chromium.MissingReason;
        }
    }
}
