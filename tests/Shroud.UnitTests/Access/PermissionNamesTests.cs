using Shroud.Core.Access;

namespace Shroud.UnitTests.Access;

public sealed class PermissionNamesTests
{
    [Fact]
    public void Send_parses_formats_and_is_listed_among_the_known_names()
    {
        Assert.True(PermissionNames.TryParse("send", out var send));
        Assert.Equal(Permissions.Send, send);
        Assert.Equal(["encrypt", "send"], PermissionNames.Format(Permissions.Encrypt | Permissions.Send));
        Assert.Contains("send", PermissionNames.Known.Split(", "));
        Assert.False(PermissionNames.TryParse("Send", out _));
    }

    [Fact]
    public void No_permission_implies_send_or_decrypt()
    {
        foreach (var other in new[] { Permissions.Encrypt, Permissions.Decrypt, Permissions.Configure, Permissions.Admin })
        {
            Assert.False(other.HasFlag(Permissions.Send));
        }

        Assert.False(Permissions.Send.HasFlag(Permissions.Decrypt));
        Assert.False((Permissions.Admin | Permissions.Configure | Permissions.Encrypt).HasFlag(Permissions.Send));
    }
}
