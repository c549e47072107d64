namespace GrainChat.Runtime;

/// <summary>Identity of one grain: its type name (as stored) and its key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
