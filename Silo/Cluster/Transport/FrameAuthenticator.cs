using System.Security.Cryptography;
using System.Text;

namespace GrainChat.Silo.Cluster.Transport;

/// <summary>
/// Signs and checks silo-to-silo frames with the shared cluster key: each frame starts with a truncated
/// HMAC-SHA256 of the rest, computed over the connection's nonce (both ends contribute half), the frame's number
/// in its direction and the frame: a frame cannot be forged, replayed, reordered or moved to another connection.
/// It authenticates; it does not encrypt (keep the silo port on a private network).
/// </summary>
internal sealed class FrameAuthenticator(string clusterKey)
{
    public const int MacLength = 16;
    public const int NonceLength = 16;

    private readonly byte[] _key = SHA256.HashData(Encoding.UTF8.GetBytes("grainchat-silo-frames:" + clusterKey));

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceLength);

    /// <summary>Writes the MAC of <c>frame[MacLength..]</c> into <c>frame[..MacLength]</c>.</summary>
    public void Sign(ReadOnlySpan<byte> nonce, long number, Span<byte> frame) => Compute(nonce, number, frame[MacLength..], frame[..MacLength]);

    public bool Verify(ReadOnlySpan<byte> nonce, long number, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < MacLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Compute(nonce, number, frame[MacLength..], expected);
        return CryptographicOperations.FixedTimeEquals(expected, frame[..MacLength]);
    }

    /// <summary>The proof a connecting silo sends with its handshake: the key applied to the nonce and its own address.</summary>
    public string HandshakeProof(ReadOnlySpan<byte> nonce, string caller)
    {
        Span<byte> mac = stackalloc byte[32];
        Compute(nonce, -1, Encoding.UTF8.GetBytes("hello:" + caller), mac);
        return Convert.ToHexString(mac);
    }

    private void Compute(ReadOnlySpan<byte> nonce, long number, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(nonce);
        Span<byte> counter = stackalloc byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(counter, number);
        hmac.AppendData(counter);
        hmac.AppendData(payload);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..destination.Length].CopyTo(destination);
    }
}
