namespace GrainChat.Silo.Cluster.Calls;

/// <summary>A grain on another silo threw an exception that does not cross the wire as itself; it names the original type.</summary>
public sealed class RemoteGrainException : Exception
{
    public RemoteGrainException(string originalType, string message, bool isStorageFailure)
        : base($"{originalType}: {message}")
    {
        OriginalType = originalType;
        RemoteMessage = message;
        IsStorageFailure = isStorageFailure;
    }

    public RemoteGrainException()
    {
        OriginalType = "";
    }

    public RemoteGrainException(string message) : base(message)
    {
        OriginalType = "";
    }

    public RemoteGrainException(string message, Exception innerException) : base(message, innerException)
    {
        OriginalType = "";
    }

    /// <summary>The full name of the exception type thrown on the other silo.</summary>
    public string OriginalType { get; }

    /// <summary>The original exception's message.</summary>
    public string RemoteMessage { get; } = "";

    /// <summary>The original was a database failure: the caller may treat it as "storage unavailable".</summary>
    public bool IsStorageFailure { get; }
}
