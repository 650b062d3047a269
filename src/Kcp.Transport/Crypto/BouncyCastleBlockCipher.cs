using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kcp.Transport.Crypto;

/// <summary>
/// Adapts a BouncyCastle forward block engine (Blowfish, Twofish, XTEA, SM4). Some engines keep scratch state in
/// fields, so each thread gets its own engine initialised with the same key; after warm-up no call allocates.
/// </summary>
internal sealed class BouncyCastleBlockCipher : FunctionBlockCipher<BouncyCastleBlockCipher.Function>
{
    private readonly byte[] _key;
    private readonly Func<IBlockCipher> _engineFactory;
    private readonly ThreadLocal<IBlockCipher> _engines;
    private readonly int _blockSize;

    /// <summary>Creates the adapter; <paramref name="engineFactory"/> returns a fresh, uninitialised engine.</summary>
    public BouncyCastleBlockCipher(Func<IBlockCipher> engineFactory, ReadOnlySpan<byte> key)
    {
        _engineFactory = engineFactory;
        _key = key.ToArray();
        _engines = new ThreadLocal<IBlockCipher>(CreateEngine);

        // Building one engine here validates the key length at construction rather than on first use.
        _blockSize = _engines.Value!.GetBlockSize();
    }

    /// <inheritdoc/>
    public override int BlockSize => _blockSize;

    /// <inheritdoc/>
    protected override Function GetFunction() => new(_engines.Value!, _blockSize);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _engines.Dispose();
            Array.Clear(_key);
        }

        base.Dispose(disposing);
    }

    private IBlockCipher CreateEngine()
    {
        IBlockCipher engine = _engineFactory();
        engine.Init(forEncryption: true, new KeyParameter(_key));
        return engine;
    }

    /// <summary>The calling thread's engine.</summary>
    internal readonly struct Function(IBlockCipher engine, int blockSize) : IBlockFunction
    {
        public int BlockSize => blockSize;

        public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output) => engine.ProcessBlock(input, output);

        public void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output)
        {
            for (int i = 0; i + blockSize <= input.Length; i += blockSize)
            {
                engine.ProcessBlock(input.Slice(i, blockSize), output.Slice(i, blockSize));
            }
        }
    }
}
