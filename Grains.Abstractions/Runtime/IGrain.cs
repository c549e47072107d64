namespace GrainChat.Runtime;

/// <summary>Marker for every grain interface (Orleans: <c>IGrain</c>).</summary>
public interface IGrain;

/// <summary>A grain identified by a string key (Orleans: <c>IGrainWithStringKey</c>).</summary>
public interface IGrainWithStringKey : IGrain;
