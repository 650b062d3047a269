namespace Kcp.Transport.Crypto;

/// <summary>
/// One registered cipher: its kcptun name, the bytes it adds around a payload and how to create it. The sizes are known
/// without creating a cipher, so option validation can check the MTU before any key exists.
/// </summary>
/// <param name="Name">The kcptun <c>--crypt</c> name.</param>
/// <param name="HeaderSize">Bytes in front of the payload, as the created cipher's HeaderSize.</param>
/// <param name="TrailerSize">Bytes after the payload, as the created cipher's TrailerSize.</param>
/// <param name="RequiresKey">False for the modes that ignore the key ("none", "null"), which then need no passphrase.</param>
/// <param name="Factory">Creates the cipher from the 32-byte key material (checked when <paramref name="RequiresKey"/>) and the settings.</param>
internal sealed record CipherDescriptor(
    string Name, int HeaderSize, int TrailerSize, bool RequiresKey, Func<ReadOnlySpan<byte>, ProtectionSettings, PacketProtection> Factory)
{
    /// <summary>Creates the cipher, refusing key material that is not kcptun's 32 bytes when the mode uses a key.</summary>
    public PacketProtection Create(ReadOnlySpan<byte> pass32, ProtectionSettings settings)
    {
        if (RequiresKey && pass32.Length != CipherRegistry.PassLength)
        {
            throw new ArgumentException($"The key material must be {CipherRegistry.PassLength} bytes (was {pass32.Length}).", nameof(pass32));
        }

        return Factory(pass32, settings);
    }
}
