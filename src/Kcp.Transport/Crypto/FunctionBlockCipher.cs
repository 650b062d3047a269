namespace Kcp.Transport.Crypto;

/// <summary>
/// A <see cref="BlockCipher"/> built from a struct block function. The function is fetched once per call (that is where
/// per-thread primitives are looked up) and the CFB loop is then specialised for it.
/// </summary>
internal abstract class FunctionBlockCipher<TBlock> : BlockCipher
    where TBlock : struct, IBlockFunction
{
    /// <summary>Returns the block function to use on the calling thread.</summary>
    protected abstract TBlock GetFunction();

    /// <inheritdoc/>
    public override void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output) => GetFunction().EncryptBlock(input, output);

    /// <inheritdoc/>
    public override void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output) => GetFunction().EncryptBlocks(input, output);

    /// <inheritdoc/>
    public override void CfbEncrypt(Span<byte> data)
    {
        TBlock f = GetFunction();
        KcpCfb.Encrypt(ref f, data);
    }

    /// <inheritdoc/>
    public override void CfbDecrypt(Span<byte> data)
    {
        TBlock f = GetFunction();
        KcpCfb.Decrypt(ref f, data);
    }
}
