using System.Net;
using System.Net.Sockets;

namespace GrainChat.Tests.Infrastructure;

/// <summary>
/// A port nobody listens on right now, for a server the test is about to start. It is taken below Linux's ephemeral
/// range (32768–60999): a port the kernel hands out for "any port" is also one it gives outgoing connections, and with
/// hundreds of clients connecting (a benchmark beside the tests, or the tests' own clients) one of them could take
/// it before the server bound it. Each port is handed out once per test process.
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
