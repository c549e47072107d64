using System.Net;
using System.Net.Sockets;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A port nobody listens on right now, for a server the test is about to start. Each port is handed out once per test
/// process: asking the kernel for "any port" and closing it again gave two cluster nodes started together the same
/// port. And it is taken below Linux's ephemeral range (32768–60999), which the kernel also gives outgoing
/// connections, so that the tests' many clients cannot take it before the server binds it.
/// </summary>
public static class FreePorts
{
    private const int First = 20000;
    private const int Last = 32000;

    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
