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
        await using var admin = await ChatClient.AdminAsync(gateway);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        var page = await (await browser.NewContextAsync(new() { BaseURL = gateway.ServerAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 1000 } })).NewPageAsync();

        await page.GotoAsync("/dashboard");
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", "root password");
        await page.ClickAsync("#signin-button");
        await Assertions.Expect(page.Locator("#hub-state")).ToHaveTextAsync("live");

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
}
