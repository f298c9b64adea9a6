using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shroud.Api;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Browser;

/// <summary>
/// The admin console in headless Chromium against the local host on Azurite over loopback: what an administrator and
/// an agent do on it, each screen checked with axe-core and saved as a screenshot, with no CSP violation on the way.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConsoleFlowTests(AzuriteFixture azurite, ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private const string App = "console-app";

    /// <summary>An event as a log holds it: escaped only where JSON requires, as Shroud answers it.</summary>
    private static readonly JsonSerializerOptions Pasted = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [BrowserFact]
    public async Task An_administrator_configures_and_grants_decrypt_an_agent_reveals_a_sealed_event_the_reveal_is_audited_and_the_revoked_key_is_refused()
    {
        var (factory, address) = ConsoleSite.StartHost(azurite);
        await using var _ = factory;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var api = new ShroudClient(http);
        var adminKey = await api.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "configure", "admin");

        // Sign in: the key goes to sessionStorage only, never to the URL, localStorage or a cookie.
        var admin = await site.NewPageAsync();
        var answer = await admin.GotoAsync($"{address}/api/console/");
        Assert.Equal(200, answer!.Status);
        Assert.Equal(ConsoleApi.ContentSecurityPolicy, await answer.HeaderValueAsync("content-security-policy"));
        await ConsoleSite.AssertAccessibleAsync(admin, "the sign-in form");
        await ConsoleSite.ScreenshotAsync(admin, "01-sign-in");
        await SignInAsync(admin, App, adminKey);
        Assert.DoesNotContain(adminKey, admin.Url, StringComparison.Ordinal);
        Assert.Contains(adminKey, await admin.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)"), StringComparison.Ordinal);
        Assert.Equal(0, await admin.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Empty(await admin.Context.CookiesAsync());

        // Security: a configuration, made the default.
        await OpenAsync(admin, "Security");
        await admin.Locator("#configuration-name").FillAsync("Support");
        await admin.GetByLabel("User messages").CheckAsync();
        await admin.Locator("#configuration-variables").FillAsync("email, phone");
        await admin.Locator("#configuration-ttl").FillAsync("PT12H");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create configuration" }).ClickAsync();
        await Expect(admin.Locator("#configurations-table tbody"), "Support");
        await admin.Locator("#default-configuration").SelectOptionAsync(new SelectOptionValue { Label = "Support" });
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(admin.Locator("#status"), "the default configuration is set");
        var configurations = (await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/configurations", adminKey)).Body!["items"]!.AsArray();
        var support = Assert.Single(configurations)!;
        Assert.Equal(["email", "phone"], support["sensitiveVariables"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("PT12H", support["ttl"]!.GetValue<string>());
        Assert.Equal(support["id"]!.GetValue<string>(), (await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}", adminKey)).Body!["defaultConfigurationId"]!.GetValue<string>());
        await Expect(admin.Locator("#configurations-table tbody"), "(default)");
        await ConsoleSite.AssertAccessibleAsync(admin, "Security");
        await ConsoleSite.ScreenshotAsync(admin, "02-security");

        // Keys: a key with the security permission, its secret shown once.
        await OpenAsync(admin, "Keys");
        await Expect(admin.Locator("label.security"), "security permission");
        await admin.Locator("#key-name").FillAsync("agent desk");
        await admin.Locator("input[name=permissions][value=decrypt]").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await admin.Locator("#created-key").WaitForAsync();
        var agentKey = await admin.Locator("#created-key-value").InputValueAsync();
        Assert.StartsWith("shk_", agentKey, StringComparison.Ordinal);
        var agentKeyId = agentKey.Substring(4, 16);
        await Expect(admin.Locator("#keys-table tbody"), agentKeyId);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Copy key" }).ClickAsync();
        await Expect(admin.Locator("#status"), new Regex("Copied|Selected"));
        await ConsoleSite.AssertAccessibleAsync(admin, "Keys, with a new key's secret");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Done, hide the key" }).ClickAsync();
        Assert.Equal("", await admin.Locator("#created-key-value").InputValueAsync());
        Assert.False(await admin.Locator("#created-key").IsVisibleAsync());
        await ConsoleSite.ScreenshotAsync(admin, "03-keys");

        // Keys and rotation: v1, rotated to v2; v1 shows its retire and destroy times.
        await OpenAsync(admin, "Keys and rotation");
        await Expect(admin.Locator("#keks-table tbody"), "v1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Rotate now" }).ClickAsync();
        await Expect(admin.Locator("#keks-table tbody tr").First, new Regex("v2.*active", RegexOptions.Singleline));
        await Expect(admin.Locator("#keks-table tbody tr").Nth(1), new Regex(@"v1.*retired.*UTC.*UTC.*UTC", RegexOptions.Singleline));
        await ConsoleSite.AssertAccessibleAsync(admin, "Keys and rotation");
        await ConsoleSite.ScreenshotAsync(admin, "04-rotation");

        // Channels: one created, its webhook URL to paste, its failed deliveries.
        await OpenAsync(admin, "Channels");
        await admin.Locator("#channel-type").SelectOptionAsync("whatsapp");
        await admin.Locator("#channel-name").FillAsync("Support WhatsApp");
        await admin.Locator("#channel-forward").FillAsync("https://bot.example.com/hooks/whatsapp");
        await admin.GetByLabel("App secret").FillAsync("wa-app-secret");
        await admin.GetByLabel("Verify token").FillAsync("wa-verify");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        await admin.Locator("#created-channel").WaitForAsync();
        var channel = Assert.Single((await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/channels", adminKey)).Body!["items"]!.AsArray())!;
        Assert.Equal(address + channel["webhookPath"]!.GetValue<string>(), await admin.Locator("#created-channel-webhook").InputValueAsync());
        Assert.NotEmpty(await admin.Locator("#created-channel-secret").InputValueAsync());
        await admin.GetByRole(AriaRole.Button, new() { Name = "Failed deliveries of Support WhatsApp" }).ClickAsync();
        await AssertDeliveriesAsync(admin, api, adminKey, channel["id"]!.GetValue<string>());
        await ConsoleSite.AssertAccessibleAsync(admin, "Channels");
        await ConsoleSite.ScreenshotAsync(admin, "05-channels");

        // A bot seals an event through the API; the default configuration seals the user's message.
        var (status, sealedEvent, _) = await api.PostAsync($"/api/apps/{App}/events", adminKey, new
        {
            id = "evt-1", conversationId = "conv-1", type = "message", user = new { type = "user", id = "wa:+15550100" }, threadMode = "bot",
            text = "My card is 4111 1111 1111 1111",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["text"], sealedEvent!["sealedPaths"]!.AsArray().Select(p => p!.GetValue<string>()));

        // The agent, in a tab of their own, reveals it on the Logs screen with the time it has left.
        var agent = await site.NewPageAsync();
        await agent.GotoAsync($"{address}/api/console/#/logs");
        await SignInAsync(agent, App, agentKey);
        await Expect(agent.Locator("h1:visible"), "Logs");
        await agent.Locator("#reveal-input").FillAsync(sealedEvent.ToJsonString(Pasted));
        await agent.GetByRole(AriaRole.Button, new() { Name = "Reveal", Exact = true }).ClickAsync();
        await Expect(agent.Locator("#revealed-output"), "My card is 4111 1111 1111 1111");
        await Expect(agent.Locator("#revealed-values"), new Regex(@"text: \d+ h \d+ min left \(expires \d{4}-\d\d-\d\d"));
        await ConsoleSite.AssertAccessibleAsync(agent, "Logs, with a revealed event");
        await ConsoleSite.ScreenshotAsync(agent, "06-logs");

        // The agent's key lacks admin: the Audit screen says which permission it needs.
        await OpenAsync(agent, "Audit");
        await Expect(agent.Locator("#audit > .problem"), "This call needs the 'admin' permission.");
        await ConsoleSite.ScreenshotAsync(agent, "07-audit-without-admin");

        // The administrator finds the reveal in the audit trail, and the trail verifies.
        await OpenAsync(admin, "Audit");
        await admin.Locator("#audit-action").SelectOptionAsync("events.reveal");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#audit-table tbody tr")).ToHaveCountAsync(1);
        await Expect(admin.Locator("#audit-table tbody tr"), new Regex($"events\\.reveal.*succeeded.*{agentKeyId}.*revealed: 1", RegexOptions.Singleline));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Verify the range" }).ClickAsync();
        await Expect(admin.Locator("#audit-verification"), "Verified: no tampering found");
        await ConsoleSite.AssertAccessibleAsync(admin, "Audit");
        await ConsoleSite.ScreenshotAsync(admin, "08-audit");

        // The administrator revokes the agent's key; the agent's console refuses it at the next call.
        await OpenAsync(admin, "Keys");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Revoke key agent desk" }).ClickAsync();
        await Expect(admin.Locator("#keys-table tbody tr", new() { HasText = agentKeyId }), "revoked");
        await OpenAsync(agent, "Logs");
        await agent.Locator("#reveal-input").FillAsync(sealedEvent.ToJsonString(Pasted));
        await agent.GetByRole(AriaRole.Button, new() { Name = "Reveal", Exact = true }).ClickAsync();
        await Expect(agent.Locator("#sign-in-problem"), "The console refused the key: The API key is not valid for this app.");
        Assert.Equal("{}", await agent.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)"));
        Assert.False(await agent.Locator("#revealed-output").IsVisibleAsync());
        Assert.DoesNotContain("4111", await agent.ContentAsync(), StringComparison.Ordinal);
        await SignInAsync(agent, App, agentKey, expectSignedIn: false);
        await Expect(agent.Locator("#sign-in-problem"), "Sign-in failed: The API key is not valid for this app.");
        await ConsoleSite.ScreenshotAsync(agent, "09-revoked-key-refused");

        await AssertNoPageProblemsAsync(admin, agent);
    }

    [BrowserFact]
    public async Task A_stale_edit_and_deleting_the_default_configuration_show_the_apis_detail_and_a_key_without_a_permission_is_told_which_one_each_screen_needs()
    {
        var (factory, address) = ConsoleSite.StartHost(azurite);
        await using var _ = factory;
        var api = new ShroudClient(new HttpClient { BaseAddress = new Uri(address) });
        var adminKey = await api.CreateAppWithKeyAsync(App, "encrypt", "configure", "admin");
        var (_, created, _) = await api.PostAsync($"/api/apps/{App}/configurations", adminKey, new { name = "Support", ttl = "PT1H" });
        var configurationId = created!["id"]!.GetValue<string>();

        var page = await site.NewPageAsync();
        await page.GotoAsync($"{address}/api/console/");
        await SignInAsync(page, App, adminKey);
        await OpenAsync(page, "Security");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support" }).ClickAsync();
        await Expect(page.Locator("#configuration-form-title"), "Edit configuration Support");
        Assert.Equal("PT1H", await page.Locator("#configuration-ttl").InputValueAsync());

        // Someone else changes it in the meantime: saving the stale form is refused with the API's detail.
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/apps/{App}/configurations/{configurationId}") { Content = new StringContent("""{ "transcript": true }""", System.Text.Encoding.UTF8, "application/merge-patch+json") })
        {
            patch.Headers.Authorization = new("Bearer", adminKey);
            Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(patch)).StatusCode);
        }

        await page.Locator("#configuration-ttl").FillAsync("PT2H");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#security > .problem"), "has changed since it was read");
        Assert.Equal("PT1H", (await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/configurations/{configurationId}", adminKey)).Body!["ttl"]!.GetValue<string>());
        await ConsoleSite.ScreenshotAsync(page, "10-stale-edit");

        // Read again, the edit goes through and keeps the other change.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Support" }).ClickAsync();
        await Assertions.Expect(page.Locator("input[name=transcript]")).ToBeCheckedAsync();
        await page.Locator("#configuration-ttl").FillAsync("PT2H");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#status"), "Configuration Support saved.");
        var saved = (await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/configurations/{configurationId}", adminKey)).Body!;
        Assert.Equal("PT2H", saved["ttl"]!.GetValue<string>());
        Assert.True(saved["transcript"]!.GetValue<bool>());

        // The default configuration cannot be deleted: the 409's detail says so. With no default, it goes.
        await page.Locator("#default-configuration").SelectOptionAsync(new SelectOptionValue { Label = "Support" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.Locator("#configurations-table tbody"), "(default)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Support" }).ClickAsync();
        var inUse = (await api.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/configurations/{configurationId}", adminKey)).Body!;
        Assert.Equal("configuration_in_use", inUse["code"]!.GetValue<string>());
        await Expect(page.Locator("#security > .problem"), inUse["detail"]!.GetValue<string>());
        await page.Locator("#default-configuration").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.Locator("#status"), "no default configuration");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Support" }).ClickAsync();
        await Expect(page.Locator("#configurations-table tbody"), "No configurations yet.");
        Assert.Empty((await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/configurations", adminKey)).Body!["items"]!.AsArray());

        // A key with encrypt only: each screen names the permission it lacks, and nothing else breaks.
        var encryptOnly = await api.CreateKeyAsync(App, "encrypt");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInAsync(page, App, encryptOnly);
        foreach (var (screen, permission) in new[] { ("Security", "configure"), ("Keys", "admin"), ("Keys and rotation", "admin"), ("Channels", "configure"), ("Audit", "admin") })
        {
            await OpenAsync(page, screen);
            await Expect(page.Locator("section:not([hidden]) > .problem"), $"This call needs the '{permission}' permission.");
        }

        var reference = (await api.EncryptAsync(App, adminKey, new { value = "jane@example.com" }))["ref"]!.GetValue<string>();
        await OpenAsync(page, "Logs");
        await page.Locator("#reveal-input").FillAsync(reference);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal", Exact = true }).ClickAsync();
        await Expect(page.Locator("#logs > .problem"), "This call needs the 'decrypt' permission.");
        await ConsoleSite.AssertAccessibleAsync(page, "Logs, with a problem");

        await AssertNoPageProblemsAsync(page);
    }

    [BrowserFact]
    public async Task A_channels_failed_deliveries_are_listed_and_retried_through_the_deliveries_routes()
    {
        var (factory, address) = ConsoleSite.StartHost(azurite);
        await using var _ = factory;
        var api = new ShroudClient(new HttpClient { BaseAddress = new Uri(address) });
        var key = await api.CreateAppWithKeyAsync(App, "configure");
        var (_, channel, _) = await api.PostAsync($"/api/apps/{App}/channels", key, new
        {
            type = "telegram", name = "Support Telegram", secrets = new { secretToken = "tg-secret" }, forwardUrl = "https://bot.example.com/hooks/telegram",
        });
        var deliveries = $"{address}/api/apps/{App}/channels/{channel!["id"]!.GetValue<string>()}/deliveries";

        // The deliveries routes answer as their contract says, whether or not this host serves them: the page's calls to
        // them are answered here, and what the page sent is recorded.
        var calls = new List<string>();
        var failed = new JsonArray(new JsonObject
        {
            ["deliveryId"] = "d-0001", ["status"] = "failed", ["attempts"] = 8, ["createdAt"] = "2026-11-21T16:00:00Z", ["updatedAt"] = "2026-11-21T18:00:00Z",
            ["expiresAt"] = "2026-11-22T16:00:00Z", ["lastStatusCode"] = 503, ["lastError"] = "bot_unavailable",
        });
        var page = await site.NewPageAsync();
        await page.RouteAsync($"{deliveries}**", async route =>
        {
            var request = route.Request;
            lock (calls)
            {
                calls.Add($"{request.Method} {request.Url[address.Length..]} {request.Headers["authorization"] == $"Bearer {key}"}");
            }

            if (request.Method == "POST" && request.Url.EndsWith("/d-0001/retry", StringComparison.Ordinal))
            {
                var retried = failed[0]!.DeepClone();
                retried["status"] = "pending";
                failed.Clear();
                await route.FulfillAsync(new() { Status = 202, ContentType = "application/json", Body = retried.ToJsonString() });
            }
            else
            {
                await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = new JsonObject { ["items"] = failed.DeepClone(), ["continuationToken"] = null }.ToJsonString() });
            }
        });
        await page.GotoAsync($"{address}/api/console/#/channels");
        await SignInAsync(page, App, key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Failed deliveries of Support Telegram" }).ClickAsync();
        await Expect(page.Locator("#deliveries-table tbody tr"), new Regex("d-0001.*status: failed; attempts: 8; last answer: 503; last error: bot_unavailable", RegexOptions.Singleline));
        await ConsoleSite.AssertAccessibleAsync(page, "Channels, with failed deliveries");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry delivery d-0001" }).ClickAsync();
        await Expect(page.Locator("#status"), "Delivery d-0001 queued again.");
        await Expect(page.Locator("#deliveries-table tbody"), "No failed deliveries.");

        var path = deliveries[address.Length..];
        Assert.Equal([$"GET {path}?status=failed True", $"POST {path}/d-0001/retry True", $"GET {path}?status=failed True"], calls);
        await AssertNoPageProblemsAsync(page);
    }

    [BrowserFact]
    public async Task Every_screen_is_reachable_and_usable_by_keyboard_with_a_visible_focus_and_reflows_in_a_narrow_window_and_at_200_percent_zoom()
    {
        var (factory, address) = ConsoleSite.StartHost(azurite);
        await using var _ = factory;
        var api = new ShroudClient(new HttpClient { BaseAddress = new Uri(address) });
        var adminKey = await api.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "configure", "admin");

        // Keyboard only: sign in, move through the screens with Tab and Enter, create a key.
        var page = await site.NewPageAsync();
        await page.GotoAsync($"{address}/api/console/");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip-link", await FocusedAsync(page, "e => e.className"));
        await AssertFocusVisibleAsync(page);
        await TabToAsync(page, "#sign-in-app");
        await page.Keyboard.TypeAsync(App);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("sign-in-key", await FocusedAsync(page, "e => e.id"));
        await AssertFocusVisibleAsync(page);
        await page.Keyboard.TypeAsync(adminKey);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#screens").WaitForAsync();

        foreach (var screen in new[] { "security", "keys", "rotation", "channels", "logs", "audit" })
        {
            await TabToAsync(page, $"nav a[data-screen={screen}]");
            await AssertFocusVisibleAsync(page);
            await page.Keyboard.PressAsync("Enter");
            await page.Locator($"#{screen}").WaitForAsync();
            Assert.EndsWith($"#/{screen}", page.Url, StringComparison.Ordinal);
            Assert.Equal("page", await page.Locator($"nav a[data-screen={screen}]").GetAttributeAsync("aria-current"));
            await Assertions.Expect(page.Locator("#main")).ToBeFocusedAsync();
        }

        await TabToAsync(page, "nav a[data-screen=keys]");
        await page.Keyboard.PressAsync("Enter");
        await TabToAsync(page, "#key-name");
        await page.Keyboard.TypeAsync("bot");
        await TabToAsync(page, "input[name=permissions][value=encrypt]");
        await AssertFocusVisibleAsync(page);
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(page, "#key-form button[type=submit]");
        await AssertFocusVisibleAsync(page);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#created-key").WaitForAsync();
        await Assertions.Expect(page.Locator("#created-key")).ToBeFocusedAsync();
        await Expect(page.Locator("#keys-table tbody"), new Regex("bot.*encrypt", RegexOptions.Singleline));

        // A narrow window (320 CSS px, as a phone or a window at 400 %), and 1280 × 900 at 200 % zoom (640 × 450 CSS px).
        var sizes = new (string Name, BrowserNewContextOptions Options)[]
        {
            ("narrow", new() { ViewportSize = new() { Width = 320, Height = 640 } }),
            ("zoom-200", new() { ViewportSize = new() { Width = 640, Height = 450 }, DeviceScaleFactor = 2 }),
        };
        var pages = new List<IPage> { page };
        foreach (var (name, options) in sizes)
        {
            var sized = await site.NewPageAsync(options);
            pages.Add(sized);
            await sized.GotoAsync($"{address}/api/console/");
            await AssertNoHorizontalScrollAsync(sized, $"the sign-in form ({name})");
            await SignInAsync(sized, App, adminKey);
            foreach (var screen in new[] { "Security", "Keys", "Keys and rotation", "Channels", "Logs", "Audit" })
            {
                await OpenAsync(sized, screen);
                await sized.Locator("section:not([hidden]) tbody tr, #logs:not([hidden])").First.WaitForAsync();
                await AssertNoHorizontalScrollAsync(sized, $"{screen} ({name})");
                Assert.True(await sized.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).IsVisibleAsync(), $"The screen list is hidden on {screen} ({name}).");
                Assert.True(await sized.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.querySelector('main p, main label')).fontSize)") >= 16);
            }

            await ConsoleSite.AssertAccessibleAsync(sized, $"Audit ({name})");
            await OpenAsync(sized, "Keys");
            await ConsoleSite.AssertAccessibleAsync(sized, $"Keys ({name})");
            await ConsoleSite.ScreenshotAsync(sized, $"11-keys-{name}");
        }

        await AssertNoPageProblemsAsync([.. pages]);
    }

    private static async Task SignInAsync(IPage page, string appId, string key, bool expectSignedIn = true)
    {
        await page.Locator("#sign-in-app").FillAsync(appId);
        await page.Locator("#sign-in-key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        if (expectSignedIn)
        {
            await page.Locator("#screens").WaitForAsync();
            await Expect(page.Locator("#session-app"), appId);
        }
    }

    private static async Task OpenAsync(IPage page, string screen)
    {
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Screens" }).GetByRole(AriaRole.Link, new() { Name = screen, Exact = true }).ClickAsync();
        await Expect(page.Locator("section:not([hidden]) > h1"), screen);
    }

    /// <summary>
    /// The failed deliveries of a channel as the API answers them: a list when the route exists, otherwise the API's
    /// own problem detail on the screen.
    /// </summary>
    private static async Task AssertDeliveriesAsync(IPage page, ShroudClient api, string key, string channelId)
    {
        var (status, body, _) = await api.SendAsync(HttpMethod.Get, $"/api/apps/{App}/channels/{channelId}/deliveries?status=failed", key);
        if (status == HttpStatusCode.OK)
        {
            await Expect(page.Locator("#deliveries-table tbody"), body!["items"]!.AsArray().Count == 0 ? "No failed deliveries." : body["items"]![0]!["deliveryId"]!.GetValue<string>());
        }
        else
        {
            await Expect(page.Locator("#deliveries .problem"), body!["detail"]!.GetValue<string>());
        }
    }

    private static Task Expect(ILocator locator, string text) => Assertions.Expect(locator).ToContainTextAsync(text);

    private static Task Expect(ILocator locator, Regex pattern) => Assertions.Expect(locator).ToContainTextAsync(pattern);

    private static Task<string> FocusedAsync(IPage page, string property) =>
        page.EvaluateAsync<string>($"() => ({property})(document.activeElement)");

    /// <summary>Presses Tab until the element matching <paramref name="selector"/> has the focus; fails if it never does.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"Tab never reached {selector}.");
    }

    private static async Task AssertFocusVisibleAsync(IPage page)
    {
        var outline = await FocusedAsync(page, "e => { const s = getComputedStyle(e); return `${s.outlineStyle} ${s.outlineWidth}`; }");
        Assert.True(outline.StartsWith("solid", StringComparison.Ordinal) && !outline.EndsWith(" 0px", StringComparison.Ordinal), $"The focused element shows no focus ring ({outline}).");
    }

    private static async Task AssertNoHorizontalScrollAsync(IPage page, string where)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{where} scrolls sideways: {widths[0]} CSS px of content in {widths[1]}.");
    }

    private async Task AssertNoPageProblemsAsync(params IPage[] pages)
    {
        foreach (var page in pages)
        {
            await site.CollectViolationsAsync(page);
        }

        Assert.Empty(site.PageProblems);
    }
}
