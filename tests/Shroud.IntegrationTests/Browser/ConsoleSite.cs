using System.Net;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Browser;

/// <summary>
/// One headless Chromium for a test class, and per test a local host on Azurite served by Kestrel on loopback, so the
/// browser loads the console and calls the API over real HTTP. Pages it opens record CSP violations and script errors,
/// which every test ends by asserting absent.
/// </summary>
public sealed class ConsoleSite : IAsyncLifetime
{
    /// <summary>Where screenshots go: a folder of the test output, kept as the run's artifact.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    private readonly List<string> problems = [];
    private IPlaywright? playwright;
    private IBrowser? browser;

    public IBrowser Browser => browser ?? throw new InvalidOperationException(Chromium.MissingReason);

    /// <summary>Problems seen in any page: CSP violations, console errors about the policy, uncaught script errors.</summary>
    public IReadOnlyList<string> PageProblems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    public async Task InitializeAsync()
    {
        if (Chromium.Executable is null)
        {
            // BrowserFact skips on a developer machine; in CI every test fails on the missing browser.
            return;
        }

        // Generous waits: CI shares two cores with builds, and a wait ends as soon as its condition holds.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Executable,
            Headless = true,
            // Root in a container has no user namespace for Chromium's sandbox.
            ChromiumSandbox = false,
            Args = ["--disable-dev-shm-usage", "--no-first-run", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
    }

    /// <summary>Starts a local host on a loopback port; answers it and its base address (<c>http://127.0.0.1:port</c>).</summary>
    public static (ShroudFactory Factory, string Address) StartHost(AzuriteFixture azurite)
    {
        var factory = new ShroudFactory(azurite);
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (factory, address);
    }

    /// <summary>A page in a fresh context (its own sessionStorage), watched for policy violations and script errors.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        if (Chromium.Executable is null)
        {
            Assert.Fail(Chromium.MissingReason);
        }

        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        // Runs before the page's own scripts; init scripts are the browser's, so the policy does not apply to them.
        await context.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener("securitypolicyviolation", e =>
              window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
            """);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => Add($"script error: {error}");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    /// <summary>The violations the page's own listener saw, added to <see cref="PageProblems"/>.</summary>
    public async Task CollectViolationsAsync(IPage page)
    {
        foreach (var violation in await page.EvaluateAsync<string[]>("() => window.__cspViolations"))
        {
            Add($"CSP violation: {violation}");
        }
    }

    /// <summary>Runs axe-core on the page as it is; fails on any serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string screen)
    {
        var result = await page.RunAxe();
        var severe = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(severe.Count == 0, $"axe-core found serious or critical violations on {screen}:\n" + string.Join("\n", severe.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => JsonSerializer.Serialize(n.Target)))}")));
    }

    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    private void Add(string problem)
    {
        lock (problems)
        {
            problems.Add(problem);
        }
    }
}
