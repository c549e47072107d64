using GrainChat.Bench.Allocations;

/// <summary>
/// Loaded into a process by <c>DOTNET_STARTUP_HOOKS=…/GrainChat.AllocationSampler.dll</c> (the runtime looks for this
/// exact type name, outside any namespace). Writes the allocation report to <c>GRAINCHAT_ALLOCATIONS_FILE</c>.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("GRAINCHAT_ALLOCATIONS_FILE") is { Length: > 0 } file)
        {
            AllocationListener.Start(file);
        }
    }
}
