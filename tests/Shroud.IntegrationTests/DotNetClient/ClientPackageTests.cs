using System.Diagnostics;
using System.Xml.Linq;
using Shroud.IntegrationTests.Deployment;

namespace Shroud.IntegrationTests.DotNetClient;

/// <summary>Shroud.Client is what customers install: it stands alone.</summary>
public sealed class ClientPackageTests
{
    [Fact]
    public void The_client_references_no_other_assembly_or_project_of_this_repository()
    {
        var references = typeof(Shroud.Client.ShroudClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Microsoft.Extensions.Http.Resilience", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Shroud", StringComparison.Ordinal));

        var project = XDocument.Parse(RepositoryFiles.Read("src/Shroud.Client/Shroud.Client.csproj"));
        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.Equal("true", project.Descendants("IsPackable").Single().Value);
        Assert.Equal("Shroud.Client", project.Descendants("PackageId").Single().Value);
    }

    /// <summary>
    /// <c>dotnet pack</c> makes the package, and a project outside this repository that references it as the README
    /// shows (a PackageReference to Shroud.Client from a feed) builds against it.
    /// </summary>
    [Fact]
    public async Task Dotnet_pack_makes_a_package_that_a_project_outside_the_repository_builds_against()
    {
        var work = Directory.CreateTempSubdirectory("shroud-client-package-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            // A version of its own, so that the restore below takes this package, not one an earlier run left in the NuGet cache.
            var version = $"1.0.0-check.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            var (packed, packOutput) = await DotnetAsync(RepositoryFiles.Root, "pack", "src/Shroud.Client", "-c", "Release", "-o", feed, $"-p:Version={version}");
            Assert.True(packed == 0, packOutput);
            Assert.Single(Directory.GetFiles(feed, "Shroud.Client.*.nupkg"));

            var consumer = Path.Combine(work.FullName, "consumer");
            Directory.CreateDirectory(consumer);
            await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RestoreAdditionalProjectSources>{feed}</RestoreAdditionalProjectSources>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Shroud.Client" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
                using Microsoft.Extensions.DependencyInjection;
                using Shroud.Client;

                var services = new ServiceCollection();
                services.AddShroudClient(o =>
                {
                    o.BaseAddress = new Uri("https://shroud.example.com/");
                    o.ApiKey = "key";
                    o.AppId = "acme-support";
                });
                using var provider = services.BuildServiceProvider();
                Console.WriteLine(provider.GetRequiredService<ShroudClient>().GetType().FullName);
                """);

            var (built, buildOutput) = await DotnetAsync(consumer, "run");
            Assert.True(built == 0, buildOutput);
            Assert.Contains("Shroud.Client.ShroudClient", buildOutput, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Outside this repository's Directory.Build.props and central package versions, as a customer's project is.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
