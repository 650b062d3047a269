using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// A block cipher from System.Security.Cryptography (3DES, and AES where the CPU has no AES instructions). The one-shot
/// <c>EncryptEcb</c> builds a native cipher context per call and copies the key, so instead every thread keeps one ECB
/// encryptor and reusable scratch arrays; CFB decryption then costs one native call per batch of blocks.
/// </summary>
internal sealed class PlatformEcbBlockCipher : FunctionBlockCipher<PlatformEcbBlockCipher.Function>
{
    /// <summary>Scratch size per thread; a multiple of both block sizes.</summary>
    private const int ScratchBytes = 512;

    private readonly SymmetricAlgorithm _algorithm;
    private readonly ThreadLocal<State> _states;
    private readonly int _blockSize;

    /// <summary>Takes ownership of <paramref name="algorithm"/>, whose key must already be set.</summary>
    public PlatformEcbBlockCipher(SymmetricAlgorithm algorithm)
    {
        _algorithm = algorithm;
        _algorithm.Mode = CipherMode.ECB;
        _algorithm.Padding = PaddingMode.None;
        _blockSize = algorithm.BlockSize / 8;
        _states = new ThreadLocal<State>(CreateState, trackAllValues: true);
    }

    /// <summary>Creates an AES cipher (16-, 24- or 32-byte key) on the platform implementation.</summary>
    public static PlatformEcbBlockCipher CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.Key = key.ToArray();
        return new PlatformEcbBlockCipher(aes);
    }

    /// <summary>Creates 3DES-EDE3 from a 24-byte key (K1 = [0,8), K2 = [8,16), K3 = [16,24)).</summary>
    public static PlatformEcbBlockCipher CreateTripleDes(ReadOnlySpan<byte> key)
    {
        if (key.Length != 24)
        {
            throw new ArgumentException("3DES needs a 24-byte key.", nameof(key));
        }

        var des = TripleDES.Create();
        des.Key = key.ToArray();
        return new PlatformEcbBlockCipher(des);
    }

    /// <inheritdoc/>
    public override int BlockSize => _blockSize;

    /// <inheritdoc/>
    protected override Function GetFunction() => new(_states.Value!, _blockSize);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (State state in _states.Values)
            {
                state.Transform.Dispose();
            }

            _states.Dispose();
            _algorithm.Dispose();
        }

        base.Dispose(disposing);
    }

    private State CreateState() => new(_algorithm.CreateEncryptor());

    /// <summary>One thread's encryptor and scratch buffers.</summary>
    internal sealed class State(ICryptoTransform transform)
    {
        public ICryptoTransform Transform { get; } = transform;

        public byte[] Input { get; } = new byte[ScratchBytes];

        public byte[] Output { get; } = new byte[ScratchBytes];
    }

    /// <summary>The calling thread's encryptor.</summary>
    internal readonly struct Function(State state, int blockSize) : IBlockFunction
    {
        public int BlockSize => blockSize;

        public void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output) => EncryptBlocks(input[..blockSize], output);

        public void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output)
        {
            for (int done = 0; done < input.Length;)
            {
                int n = Math.Min(ScratchBytes, input.Length - done);
                input.Slice(done, n).CopyTo(state.Input);
                state.Transform.TransformBlock(state.Input, 0, n, state.Output, 0);
                state.Output.AsSpan(0, n).CopyTo(output[done..]);
                done += n;
            }
        }
    }
}
