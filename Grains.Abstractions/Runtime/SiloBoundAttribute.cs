namespace GrainChat.Runtime;

/// <summary>
/// The grain's key names the silo it runs on instead of the placement ring choosing one (the role of Orleans'
/// system targets): one activation per node, for per-node services such as listing that node's connections.
/// Keys are the silo addresses a cluster's membership lists; <see cref="LocalKey"/> is this silo.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SiloBoundAttribute : Attribute
{
    /// <summary>The key of the activation on the calling silo (the only one on a single node).</summary>
    public const string LocalKey = "local";
}
