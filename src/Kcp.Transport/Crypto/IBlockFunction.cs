namespace Kcp.Transport.Crypto;

/// <summary>
/// The raw forward block function, implemented by small structs so that the generic CFB loops in <see cref="KcpCfb"/>
/// are specialised per cipher by the JIT (no virtual call per block).
/// </summary>
internal interface IBlockFunction
{
    /// <summary>Block size in bytes (8 or 16).</summary>
    int BlockSize { get; }

    /// <summary>Encrypts one block; input and output may alias.</summary>
    void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output);

    /// <summary>Encrypts <c>input.Length / BlockSize</c> independent blocks; input and output do not alias.</summary>
    void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output);
}
