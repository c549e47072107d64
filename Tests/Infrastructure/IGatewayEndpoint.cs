namespace GrainChat.Tests.Infrastructure;

/// <summary>A running Gateway the tests can reach over real sockets: in this process or in another one.</summary>
public interface IGatewayEndpoint
{
    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    Uri ServerAddress { get; }

    HttpClient CreateClient();
}
