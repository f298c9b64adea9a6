using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Shroud.IntegrationTests.Deployment;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Readme;

/// <summary>The README's API examples, run as pasted against a fresh local host listening on loopback.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReadmeWalkthroughTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_readme_examples_run_in_order_from_top_to_bottom_with_every_call_succeeding()
    {
        var script = WalkthroughScript(RepositoryFiles.Read("README.md"));
        await using var factory = new ShroudFactory(azurite);
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var folder = Directory.CreateTempSubdirectory("shroud-walkthrough-");
        try
        {
            var (exitCode, output) = await RunBashAsync(
                // Every call must succeed: curl fails on an HTTP error status, and the shell stops at the first failure.
                "set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 60 \"$@\"; }\n" + script,
                folder.FullName,
                new Dictionary<string, string> { ["BASE"] = $"{address}/api", ["ADMIN"] = ShroudFactory.BootstrapKey });

            Assert.True(exitCode == 0, $"The walkthrough stopped (exit {exitCode}):\n{output}");
            Assert.Contains("\"value\":\"jane@example.com\"", output, StringComparison.Ordinal);
            Assert.Contains("\"value\":\"4111 1111 1111 1111\"", output, StringComparison.Ordinal);
            Assert.Contains("\"text\":\"My email is jane@example.com\"", output, StringComparison.Ordinal);
            Assert.Contains("\"sealedPaths\":[\"text\",\"variables.email\",\"variables.language\"]", output, StringComparison.Ordinal);
            Assert.Contains("same bytes", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_walkthrough_is_every_shell_block_from_the_api_section_to_key_lifecycle()
    {
        var script = WalkthroughScript(RepositoryFiles.Read("README.md"));

        Assert.StartsWith("BASE=", script, StringComparison.Ordinal);
        Assert.Contains("/events/reveal", script, StringComparison.Ordinal);
        Assert.Contains("/media/reveal", script, StringComparison.Ordinal);

        // No placeholder to edit by hand: keys, ids and references come from the answers (comments show answers).
        var commands = script.Split('\n').Where(line => !line.TrimStart().StartsWith('#'));
        Assert.DoesNotContain(commands, line => line.Contains("shk_", StringComparison.Ordinal) || line.Contains("shr1.", StringComparison.Ordinal) || line.Contains('…'));
    }

    /// <summary>The <c>```sh</c> blocks between the "API" and "Key lifecycle" headings, in order.</summary>
    private static string WalkthroughScript(string readme)
    {
        var start = readme.IndexOf("\n## API\n", StringComparison.Ordinal);
        var end = readme.IndexOf("\n## Key lifecycle", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "The README has no API section followed by a Key lifecycle section.");
        var script = new StringBuilder();
        var inBlock = false;
        foreach (var line in readme[start..end].Split('\n'))
        {
            if (!inBlock && line == "```sh")
            {
                inBlock = true;
            }
            else if (inBlock && line == "```")
            {
                inBlock = false;
            }
            else if (inBlock)
            {
                script.Append(line).Append('\n');
            }
        }

        return script.ToString();
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
