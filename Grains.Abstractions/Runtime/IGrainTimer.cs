namespace GrainChat.Runtime;

/// <summary>A grain timer (Orleans: <c>IGrainTimer</c>); disposing of it stops further ticks.</summary>
public interface IGrainTimer : IDisposable;
