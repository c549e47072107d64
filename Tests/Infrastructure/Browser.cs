using Microsoft.Playwright;

namespace GrainChat.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright, started the way this machine needs (no sandbox, no network chatter).</summary>
public static class Browser
{
    private static readonly string[] ChromiumArguments =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(BrowserFactAttribute.ChromiumPath), BrowserFactAttribute.MissingReason);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = BrowserFactAttribute.ChromiumPath, Args = ChromiumArguments });
    }

    /// <summary>Saves a full-page screenshot under the test output's <c>screenshots</c> folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0);
    }
}
