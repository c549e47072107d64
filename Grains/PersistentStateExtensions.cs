using GrainChat.Runtime;

namespace GrainChat.Grains;

internal static class PersistentStateExtensions
{
    /// <summary>
    /// Writes the state; when the write is refused because another activation (another node) wrote first,
    /// takes the new ETag and writes this state over it. For states whose every change is decided in this
    /// grain's turns, where the last decision is the one to keep.
    /// </summary>
    public static async Task WriteOverAsync<TState>(this IPersistentState<TState> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            var wanted = state.State;
            await state.ReadStateAsync();
            state.State = wanted;
            await state.WriteStateAsync();
        }
    }
}
