using System.Net;
using System.Net.Sockets;

namespace GrainChat.Tests.Infrastructure;

/// <summary>A loopback port nobody listens on right now, for a server the test is about to start.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
