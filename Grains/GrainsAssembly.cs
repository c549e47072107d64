namespace GrainChat.Grains;

/// <summary>Anchor for registering this assembly's grain classes with the silo.</summary>
public static class GrainsAssembly
{
    public static System.Reflection.Assembly Assembly => typeof(GrainsAssembly).Assembly;
}
