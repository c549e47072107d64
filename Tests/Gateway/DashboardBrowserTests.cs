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
        var connectionId = (await userHub.InvokeAsync<JsonElement>("Ping")).GetProperty("connectionId").GetString()!;
        var row = page.Locator($"#connections tr[data-connection-id='{connectionId}']");
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
        var page = await NewPageAsync(browser);
        await using var earlier = await ChatClient.RegisterAsync(gateway);
        var earlierHub = await earlier.ConnectAsync();
        var earlierConnectionId = (await earlierHub.InvokeAsync<JsonElement>("Ping")).GetProperty("connectionId").GetString()!;
        var snapshotTaken = new TaskCompletionSource<IAPIResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/api/admin/connections?*", async route =>
        {
            var response = await route.FetchAsync();
            if (!snapshotTaken.TrySetResult(response))
            {
                await route.FulfillAsync(new() { Response = response });
                return;
            }
            await release.Task;
            await route.FulfillAsync(new() { Response = response });
        });
        await SignInAsync(page);
        var snapshot = await (await snapshotTaken.Task.WaitAsync(ChatClient.WaitLimit)).JsonAsync();
        var connectionsBefore = snapshot!.Value.GetProperty("count").GetInt32();

        await using var user = await ChatClient.RegisterAsync(gateway);
        var userHub = await user.ConnectAsync();
        var connectionId = (await userHub.InvokeAsync<JsonElement>("Ping")).GetProperty("connectionId").GetString()!;
        var row = page.Locator($"#connections tr[data-connection-id='{connectionId}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        release.SetResult();

        // Only the held-back page lists the connection made before the dashboard went live.
        await Assertions.Expect(page.Locator($"#connections tr[data-connection-id='{earlierConnectionId}']")).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td.user")).ToHaveTextAsync(user.Username);
        await Assertions.Expect(page.Locator("#connections-count")).ToHaveTextAsync($"({connectionsBefore + 1})");
    }

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
