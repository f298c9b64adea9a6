using System.Text.RegularExpressions;

namespace Shroud.Core.Apps;

/// <summary>App ids: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.</summary>
public static partial class AppIds
{
    public const string Rule = "3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit";

    public static bool IsValid([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? appId) => appId is not null && Pattern().IsMatch(appId);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
