namespace Shroud.Core.Access;

/// <summary>
/// What an API key may do; "decrypt" is the security permission. "send" reveals toward a channel only (a bot's reply
/// through Shroud), never to the caller; no permission implies another.
/// </summary>
[Flags]
public enum Permissions
{
    None = 0,
    Encrypt = 1,
    Decrypt = 2,
    Configure = 4,
    Admin = 8,
    Send = 16,
}

public static class PermissionNames
{
    private static readonly (string Name, Permissions Value)[] All =
    [
        ("encrypt", Permissions.Encrypt),
        ("decrypt", Permissions.Decrypt),
        ("configure", Permissions.Configure),
        ("admin", Permissions.Admin),
        ("send", Permissions.Send),
    ];

    public static string Known => string.Join(", ", All.Select(p => p.Name));

    public static bool TryParse(string name, out Permissions permission)
    {
        permission = All.FirstOrDefault(p => p.Name == name).Value;
        return permission != Permissions.None;
    }

    public static IReadOnlyList<string> Format(Permissions permissions) =>
        All.Where(p => permissions.HasFlag(p.Value)).Select(p => p.Name).ToList();
}
