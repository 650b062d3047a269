namespace Kcp.Transport.Crypto;

/// <summary>
/// kcp-go's "local CFB" (kcp-wire.md §4.1): standard CFB with full-block feedback and a fixed IV, whose final partial
/// block is XORed with the first bytes of the keystream block. Randomness comes from the 16-byte nonce that starts
/// every datagram, not from the IV.
/// </summary>
internal static class KcpCfb
{
    /// <summary>Blocks handed to <see cref="IBlockFunction.EncryptBlocks"/> at once while decrypting.</summary>
    private const int DecryptBatchBlocks = 32;

    /// <summary>kcp-go's fixed IV; 8-byte ciphers use its first 8 bytes.</summary>
    public static ReadOnlySpan<byte> InitialVector =>
        [0xA7, 0x73, 0x4F, 0x9C, 0x12, 0xAC, 0x1B, 0x01, 0xA4, 0x15, 0xF2, 0xC1, 0xFC, 0x78, 0xE6, 0x6B];

    /// <summary>Encrypts <paramref name="data"/> in place. Serial by nature: each block's keystream needs the previous ciphertext.</summary>
    public static void Encrypt<TBlock>(ref TBlock block, Span<byte> data)
        where TBlock : struct, IBlockFunction
    {
        int bs = block.BlockSize;
        Span<byte> r = stackalloc byte[16];
        r = r[..bs];
        block.EncryptBlock(InitialVector[..bs], r);

        int i = 0;
        for (; i + bs <= data.Length; i += bs)
        {
            Span<byte> c = data.Slice(i, bs);
            CryptoXor.Apply(c, r);
            if (i + bs < data.Length)
            {
                // The last full block's successor keystream would be unused, so it is not computed.
                block.EncryptBlock(c, r);
            }
        }

        if (i < data.Length)
        {
            CryptoXor.Apply(data[i..], r[..(data.Length - i)]);
        }
    }

    /// <summary>
    /// Decrypts <paramref name="data"/> in place. Keystream block k is E(C[k-1]) (E(IV) for k = 0), and every C is
    /// known up front, so the block function runs over batches of blocks instead of one block at a time.
    /// </summary>
    public static void Decrypt<TBlock>(ref TBlock block, Span<byte> data)
        where TBlock : struct, IBlockFunction
    {
        int bs = block.BlockSize;
        int blocks = (data.Length + bs - 1) / bs;
        Span<byte> input = stackalloc byte[DecryptBatchBlocks * 16];
        Span<byte> keystream = stackalloc byte[DecryptBatchBlocks * 16];
        Span<byte> previous = stackalloc byte[16];
        previous = previous[..bs];
        InitialVector[..bs].CopyTo(previous);

        for (int first = 0; first < blocks; first += DecryptBatchBlocks)
        {
            int count = Math.Min(DecryptBatchBlocks, blocks - first);
            int start = first * bs;

            // Inputs: the previous ciphertext block, then the ciphertext blocks of this batch except its last one.
            previous.CopyTo(input);
            data.Slice(start, (count - 1) * bs).CopyTo(input[bs..]);
            block.EncryptBlocks(input[..(count * bs)], keystream);

            int end = Math.Min(data.Length, start + (count * bs));
            if (first + count < blocks)
            {
                // Keep the batch's last ciphertext block before it is overwritten: it feeds the next batch.
                data.Slice(end - bs, bs).CopyTo(previous);
            }

            CryptoXor.Apply(data[start..end], keystream[..(end - start)]);
        }
    }
}
