using Microsoft.Playwright;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A page's first request to a URL, held until released: how a browser test makes an answer arrive after the events
/// that followed it, as a slow network would.
/// </summary>
public sealed class HeldRequest
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    /// <summary>Completes when the request is being held.</summary>
    public Task Held => _held.Task;

    /// <summary>
    /// Holds the page's first request matching <paramref name="url"/> from now on; later ones pass. With
    /// <paramref name="snapshotFirst"/> the server answers it at once and only the answer waits, so whatever happens
    /// meanwhile is newer than the page's answer; without, the request itself waits, so the answer includes it.
    /// </summary>
    public static async Task<HeldRequest> HoldFirstAsync(IPage page, string url, bool snapshotFirst)
    {
        var held = new HeldRequest();
        await page.RouteAsync(url, async route =>
        {
            if (Interlocked.Increment(ref held._requests) != 1)
            {
                await route.ContinueAsync();
                return;
            }

            var response = snapshotFirst ? await route.FetchAsync() : null;
            held._held.SetResult();
            await held._released.Task;
            await (response is null ? route.ContinueAsync() : route.FulfillAsync(new() { Response = response }));
        });
        return held;
    }

    public void Release() => _released.SetResult();
}
