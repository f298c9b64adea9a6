using Microsoft.AspNetCore.Builder;
using Shroud.Host;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>The local host reads local.settings.json, the file func start reads, in Development only.</summary>
public sealed class LocalSettingsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("shroud-local-settings-").FullName;
    private readonly string contentRoot;

    public LocalSettingsTests()
    {
        contentRoot = Directory.CreateDirectory(Path.Combine(root, "src", "Shroud.Host")).FullName;
        File.WriteAllText(Path.Combine(root, LocalSettingsFile.SampleFileName), """{ "Values": {} }""");
        File.WriteAllText(Path.Combine(root, LocalSettingsFile.FileName), """
            {
              "IsEncrypted": false,
              "Values": {
                "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
                "Shroud__BootstrapAdminKey": "from-local-settings-file",
                "Shroud__MaxTtl": "3.00:00:00",
                "RootKeys__Keys__k2": "a-key"
              }
            }
            """);
    }

    [Fact]
    public void Values_become_configuration_keys_with_colons()
    {
        var values = LocalSettingsFile.ReadValues(Path.Combine(root, LocalSettingsFile.FileName));

        Assert.Equal("from-local-settings-file", values["Shroud:BootstrapAdminKey"]);
        Assert.Equal("a-key", values["RootKeys:Keys:k2"]);
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
    }

    [Fact]
    public void The_file_is_found_at_the_repository_root_above_the_content_root()
    {
        Assert.Equal(Path.Combine(root, LocalSettingsFile.FileName), LocalSettingsFile.Find(contentRoot));
    }

    [Fact]
    public void In_development_the_host_reads_the_file_and_the_command_line_still_wins()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Development",
            ContentRootPath = contentRoot,
            Args = ["--Shroud:MaxTtl=2.00:00:00"],
        });

        builder.AddShroudHost();

        Assert.Equal("from-local-settings-file", builder.Configuration["Shroud:BootstrapAdminKey"]);
        Assert.Equal("a-key", builder.Configuration["RootKeys:Keys:k2"]);
        Assert.Equal("2.00:00:00", builder.Configuration["Shroud:MaxTtl"]);
    }

    [Fact]
    public void Outside_development_the_file_is_ignored()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = contentRoot });

        builder.AddShroudHost();

        Assert.Null(builder.Configuration["Shroud:BootstrapAdminKey"]);
    }

    [Fact]
    public void An_encrypted_file_is_refused_with_a_way_out()
    {
        var path = Path.Combine(root, LocalSettingsFile.FileName);
        File.WriteAllText(path, """{ "IsEncrypted": true, "Values": { "Shroud__BootstrapAdminKey": "c2VjcmV0" } }""");

        var error = Assert.Throws<InvalidOperationException>(() => LocalSettingsFile.ReadValues(path));

        Assert.Contains("func settings decrypt", error.Message);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
