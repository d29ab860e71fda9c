using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Ops.Daemon.Security;
using Ops.Daemon.Tests.Api;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Dashboard;

/// <summary>
/// The Hangfire console with the Programs page in a real browser: Debian's chromium driven by Playwright (the
/// installed browser; nothing is downloaded).
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ConsoleBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Console_AdminAndViewer_AdminRestartsFromProgramsPageViewerSeesNoButtonsAndCannotPost()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (.ci/run does)");
        var admin = Tokens.New();
        var viewer = Tokens.New();
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Worker.Program(["--forever"]) }, AuthMatrixTests.SecuredOps(admin, viewer), admin).StartAsync();
        var before = (await opsd.WaitForStateAsync("web", "Running", Wait)).Single();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        // Admin: log in, see the running instance with its pid, press Restart.
        var adminPage = await LoginAsync(browser, opsd, admin);
        var row = adminPage.Locator("tr[data-instance='web:0']");
        await Assertions.Expect(row.Locator(".ops-state")).ToHaveTextAsync("Running");
        await Assertions.Expect(row.Locator(".ops-pid")).ToHaveTextAsync(before.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(adminPage.Locator("a:has-text('Programs')").First).ToBeVisibleAsync();
        await adminPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(opsd.Directory, "programs-admin.png"), FullPage = true });
        await row.Locator(".ops-restart").ClickAsync();
        var after = (await opsd.WaitForAsync("web", i => i.State == "Running" && i.Pid != before.Pid, Wait, "restarted")).Single();
        await adminPage.ReloadAsync();
        await Assertions.Expect(adminPage.Locator("tr[data-instance='web:0'] .ops-pid")).ToHaveTextAsync(after.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(await opsd.HistoryAsync("web"), t => t.Reason == "operator" && t.To == "Stopping");

        // Viewer: same page, no buttons; a hand-made POST with its session is refused by the console and the API.
        var viewerPage = await LoginAsync(browser, opsd, viewer);
        await Assertions.Expect(viewerPage.Locator("tr[data-instance='web:0'] .ops-state")).ToHaveTextAsync("Running");
        Assert.Equal(0, await viewerPage.Locator("button.ops-restart, button.ops-stop, button.ops-start").CountAsync());
        var consolePost = await viewerPage.APIRequest.PostAsync($"{opsd.Url}/hangfire/programs/actions/restart/web:0");
        Assert.False(consolePost.Ok, $"the console accepted a viewer's command: {consolePost.Status}");
        var apiPost = await viewerPage.APIRequest.PostAsync($"{opsd.Url}/api/v1/programs/web/restart");
        Assert.Equal(403, apiPost.Status);
        await Observe.NothingWithinAsync(TimeSpan.FromMilliseconds(500), async () => (await opsd.ProgramsAsync("web")).Single().Pid != after.Pid, "a viewer's refused command restarted web");
        Assert.Equal(after.Pid, (await opsd.ProgramsAsync("web")).Single().Pid);
    }

    private static async Task<IPage> LoginAsync(IBrowser browser, Opsd opsd, string token)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{opsd.Url}/hangfire/programs");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#token", token);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/hangfire/programs");
        return page;
    }
}
