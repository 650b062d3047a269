using System.IO.Hashing;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Kcp.Transport;
using Kcp.Transport.Crypto;

namespace Kcp.Benchmarks;

/// <summary>
/// Mirrors kcp-go's crypt_test.go benchmarks: each crypto operation encrypts and then decrypts one 1500-byte buffer
/// (kcp-go's mtuLimit), so 3000 bytes per operation; CRC32 hashes 1024 bytes. Names match kcp-go's so the tables can
/// be compared line by line.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class CryptBenchmarks
{
    private const int BufferSize = 1500;
    private const int CryptBytes = 2 * BufferSize;

    private readonly byte[] _data = new byte[BufferSize];
    private readonly byte[] _copy = new byte[BufferSize];
    private readonly byte[] _crcContent = new byte[1024];
    private BlockCipher _aes128 = null!;
    private BlockCipher _aes192 = null!;
    private BlockCipher _aes256 = null!;
    private BlockCipher _blowfish = null!;
    private BlockCipher _cast5 = null!;
    private BlockCipher _tripleDes = null!;
    private BlockCipher _tea = null!;
    private BlockCipher _xtea = null!;
    private BlockCipher _twofish = null!;
    private BlockCipher _sm4 = null!;
    private Salsa20PacketCipher _salsa20 = null!;
    private XorPacketCipher _xor = null!;

    [GlobalSetup]
    public void Setup()
    {
        RandomNumberGenerator.Fill(_data);
        byte[] pass = KcpCrypt.DeriveKey("it's a secrect");
        _aes128 = Block("aes-128", pass);
        _aes192 = Block("aes-192", pass);
        _aes256 = Block("aes", pass);
        _blowfish = Block("blowfish", pass);
        _cast5 = Block("cast5", pass);
        _tripleDes = Block("3des", pass);
        _tea = Block("tea", pass);
        _xtea = Block("xtea", pass);
        _twofish = Block("twofish", pass);
        _sm4 = Block("sm4", pass);

        _salsa20 = (Salsa20PacketCipher)CipherRegistry.Create("salsa20", pass);
        _xor = (XorPacketCipher)CipherRegistry.Create("xor", pass);
    }

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void AES128() => Cfb(_aes128);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void AES192() => Cfb(_aes192);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void AES256() => Cfb(_aes256);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void Salsa20()
    {
        _salsa20.Transform(_data);
        _salsa20.Transform(_data);
    }

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void Blowfish() => Cfb(_blowfish);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void Cast5() => Cfb(_cast5);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void TripleDES() => Cfb(_tripleDes);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void TEA() => Cfb(_tea);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void XTEA() => Cfb(_xtea);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void Twofish() => Cfb(_twofish);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void SM4() => Cfb(_sm4);

    [Benchmark, BytesPerOperation(CryptBytes)]
    public void XOR()
    {
        _xor.Transform(_data);
        _xor.Transform(_data);
    }

    /// <summary>kcp-go's "none" copies src to dst in both directions; so do we.</summary>
    [Benchmark, BytesPerOperation(CryptBytes)]
    public void None()
    {
        _data.AsSpan().CopyTo(_copy);
        _copy.AsSpan().CopyTo(_data);
    }

    [Benchmark, BytesPerOperation(1024)]
    public uint CRC32() => Crc32.HashToUInt32(_crcContent);

    private static BlockCipher Block(string name, byte[] pass) => ((CfbPacketCipher)CipherRegistry.Create(name, pass)).Cipher;

    private void Cfb(BlockCipher cipher)
    {
        cipher.CfbEncrypt(_data);
        cipher.CfbDecrypt(_data);
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn());
    }
}
