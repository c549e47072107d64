using System.Text.Json;
using GrainChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace GrainChat.Tests.Gateway;

public sealed class DashboardBrowserTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [BrowserFact]
    public async Task An_admin_signs_in_sees_a_connection_arrive_live_and_disconnects_it()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var page = await NewPageAsync(browser);
        await SignInAsync(page);

        await using var user = await ChatClient.RegisterAsync(gateway);
        var userHub = await user.ConnectAsync();
        var row = ConnectionRow(page, await ConnectionIdAsync(userHub));
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td.user")).ToHaveTextAsync(user.Username);

        var closed = new TaskCompletionSource();
        userHub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await row.Locator("button.disconnect").ClickAsync();

        await Assertions.Expect(row).ToHaveCountAsync(0);
        await closed.Task.WaitAsync(ChatClient.WaitLimit);
        await Assertions.Expect(page.Locator("#traffic")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "dashboard.png");
    }

    [BrowserFact]
    public async Task A_connection_that_arrives_while_the_list_is_loading_stays_listed()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var earlier = await ChatClient.RegisterAsync(gateway);
        await using var user = await ChatClient.RegisterAsync(gateway);

        var (page, earlierRow, row) = await ConnectWhileTheListLoadsAsync(browser, earlier, user, snapshotFirst: true);

        // Only the held-back page lists the connection made before the dashboard went live.
        await Assertions.Expect(earlierRow).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td.user")).ToHaveTextAsync(user.Username);
        await ExpectCountToMatchRowsAsync(page);
    }

    [BrowserFact]
    public async Task A_connection_that_arrives_before_the_lists_snapshot_is_taken_is_listed_once()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var earlier = await ChatClient.RegisterAsync(gateway);
        await using var user = await ChatClient.RegisterAsync(gateway);

        var (page, earlierRow, row) = await ConnectWhileTheListLoadsAsync(browser, earlier, user, snapshotFirst: false);

        await Assertions.Expect(earlierRow).ToBeVisibleAsync();
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await ExpectCountToMatchRowsAsync(page);
    }

    [BrowserFact]
    public async Task A_message_that_arrives_while_the_traffic_log_is_loading_stays_listed_once()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var page = await NewPageAsync(browser);
        await using var user = await ChatClient.RegisterAsync(gateway);
        var roomId = await user.CreateRoomAsync();
        await user.PostAsync(roomId, "before the dashboard");
        var held = await HeldRequest.HoldFirstAsync(page, "**/api/admin/logs?*", snapshotFirst: true);
        await SignInAsync(page);
        await held.Held.WaitAsync(ChatClient.WaitLimit);

        await user.PostAsync(roomId, "while the log loads");
        var whileLoading = page.Locator("#traffic tbody tr", new() { HasText = "while the log loads" });
        await Assertions.Expect(whileLoading).ToBeVisibleAsync();
        held.Release();

        await Assertions.Expect(page.Locator("#traffic tbody tr", new() { HasText = "before the dashboard" })).ToBeVisibleAsync();
        await Assertions.Expect(whileLoading).ToHaveCountAsync(1);
    }

    /// <summary>
    /// Connects <paramref name="earlier"/>, signs in with the page's first list of connections held (see
    /// <see cref="HeldRequest"/>), connects <paramref name="user"/> meanwhile and lets the list go; answers the page and
    /// both connections' rows.
    /// </summary>
    private async Task<(IPage Page, ILocator EarlierRow, ILocator Row)> ConnectWhileTheListLoadsAsync(
        IBrowser browser, ChatClient earlier, ChatClient user, bool snapshotFirst)
    {
        var page = await NewPageAsync(browser);
        var earlierRow = ConnectionRow(page, await ConnectionIdAsync(await earlier.ConnectAsync()));
        var held = await HeldRequest.HoldFirstAsync(page, "**/api/admin/connections?*", snapshotFirst);
        await SignInAsync(page);
        await held.Held.WaitAsync(ChatClient.WaitLimit);

        var row = ConnectionRow(page, await ConnectionIdAsync(await user.ConnectAsync()));
        await Assertions.Expect(row).ToBeVisibleAsync();
        held.Release();
        return (page, earlierRow, row);
    }

    private static ILocator ConnectionRow(IPage page, string connectionId) => page.Locator($"#connections tr[data-connection-id='{connectionId}']");

    /// <summary>The count above the table agrees with its rows (not a fixed number: a connection from an earlier test may still be closing).</summary>
    private static Task ExpectCountToMatchRowsAsync(IPage page) =>
        page.WaitForFunctionAsync(
            "() => `(${document.querySelectorAll('#connections tbody tr').length})` === document.getElementById('connections-count').textContent",
            null, new() { Timeout = (float)ChatClient.WaitLimit.TotalMilliseconds });

    private static async Task<string> ConnectionIdAsync(HubConnection hub) =>
        (await hub.InvokeAsync<JsonElement>("Ping")).GetProperty("connectionId").GetString()!;

    private async Task<IPage> NewPageAsync(IBrowser browser) =>
        await (await browser.NewContextAsync(new() { BaseURL = gateway.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } })).NewPageAsync();

    private static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/dashboard");
        await page.FillAsync("#username", GatewayFactory.AdminName);
        await page.FillAsync("#password", GatewayFactory.AdminPassword);
        await page.ClickAsync("#signin-button");
        await Assertions.Expect(page.Locator("#hub-state")).ToHaveTextAsync("live");
    }
}
