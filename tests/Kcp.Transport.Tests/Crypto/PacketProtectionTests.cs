using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>Framing and whole-datagram behaviour of every framed <see cref="PacketProtection"/> against kcp-go's known answers.</summary>
public sealed class PacketProtectionTests
{
    private static PacketProtection Create(string name, byte[]? pass = null) =>
        CipherRegistry.Create(name, pass ?? SpecVectors.DefaultPass);

    private static bool TryOpen(PacketProtection cipher, Span<byte> datagram) => cipher.Open(datagram) == OpenResult.Opened;

    /// <summary>Seals with a session of its own: framed modes seal in place and return the same bytes.</summary>
    private static void Seal(PacketProtection cipher, Span<byte> datagram)
    {
        using SessionProtection session = cipher.CreateSession();
        Assert.True(session.Seal(datagram) == datagram);
    }

    private static byte[] Seg1Datagram()
    {
        byte[] seg = Convert.FromHexString(SpecVectors.Seg1Hex);
        var d = new byte[20 + seg.Length];
        seg.CopyTo(d, 20);
        return d;
    }

    private static byte[] Seg2Datagram()
    {
        byte[] seg = SpecVectors.Seg2();
        var d = new byte[20 + seg.Length];
        seg.CopyTo(d, 20);
        return d;
    }

    [Theory]
    [MemberData(nameof(SpecVectors.P1Ciphertexts), MemberType = typeof(SpecVectors))]
    public void SealWithNonce_P1_MatchesKcpGo(string name, string expectedHex)
    {
        using PacketProtection cipher = Create(name);
        byte[] d = Seg1Datagram();

        cipher.SealWithNonce(d, Convert.FromHexString(SpecVectors.Nonce0Hex));

        Assert.Equal(expectedHex, Convert.ToHexStringLower(d));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.P1Ciphertexts), MemberType = typeof(SpecVectors))]
    public void TryOpen_P1Ciphertext_RestoresPlaintext(string name, string ciphertextHex)
    {
        using PacketProtection cipher = Create(name);
        byte[] d = Convert.FromHexString(ciphertextHex);

        Assert.True(TryOpen(cipher, d));
        Assert.Equal(SpecVectors.P1Hex, Convert.ToHexStringLower(d));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.P2Ciphertexts), MemberType = typeof(SpecVectors))]
    public void SealWithNonce_P2_MatchesKcpGo(string name, string sha256Hex, string firstHex, string lastHex)
    {
        using PacketProtection cipher = Create(name);
        byte[] d = Seg2Datagram();

        cipher.SealWithNonce(d, Convert.FromHexString(SpecVectors.Nonce0Hex));

        Assert.Equal(220, d.Length);
        Assert.Equal(firstHex, Convert.ToHexStringLower(d.AsSpan(0, 32)));
        Assert.Equal(lastHex, Convert.ToHexStringLower(d.AsSpan(d.Length - 21)));
        Assert.Equal(sha256Hex, Convert.ToHexStringLower(SHA256.HashData(d)));
        Assert.True(TryOpen(cipher, d));
        Assert.Equal(SpecVectors.P2Sha256, Convert.ToHexStringLower(SHA256.HashData(d)));
    }

    [Fact]
    public void SealWithNonce_V7cFecGroupWithAes_MatchesKcpGo()
    {
        // vectors.md V7c: FEC header + KCP behind the crypto header, three datagrams with their own nonces.
        (string Nonce, string Body, string Wire)[] packets =
        [
            ("101112131415161718191a1b1c1d1e1f", "00000000f1001f004433221151008000e803000000000000000000000500000068656c6c6f",
                "96935353234b069cb901af485a15e9804643e8d50201fa268f6c11763852c3a701e67318e75cac4f3a2735be05ec62b9c0b50af8028feb7102"),
            ("202122232425262728292a2b2c2d2e2f", "01000000f1001d004433221151008000e8030000010000000000000003000000686921",
                "a6a36363137b36ac89319f786a25d9b0567105d92224cece389aecce53a47ab57066078033c46ee51e27925ffc19d603edc1edafa42e80"),
            ("303132333435363738393a3b3c3d3e3f", "02000000f2001b004433221151008000e8030000020000000000000009000000687df6b4b1",
                "b6b37373036b26bc99218f687a35c9a05a20120eac659371fef19e61fb214ba2b4e905cad66b89a1634dea1da6d445177676d33f87999f9a7d"),
        ];
        using PacketProtection cipher = Create("aes");

        foreach ((string nonce, string body, string wire) in packets)
        {
            byte[] d = new byte[20 + (body.Length / 2)];
            Convert.FromHexString(body).CopyTo(d, 20);
            cipher.SealWithNonce(d, Convert.FromHexString(nonce));
            Assert.Equal(wire, Convert.ToHexStringLower(d));
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Seal_ThenTryOpen_RoundTripsPayloadAndWritesChecksum(string name)
    {
        using PacketProtection cipher = Create(name);
        byte[] payload = RandomNumberGenerator.GetBytes(1380);
        byte[] d = new byte[cipher.HeaderSize + payload.Length];
        payload.CopyTo(d, cipher.HeaderSize);

        Seal(cipher, d);
        Assert.True(TryOpen(cipher, d));

        Assert.Equal(20, cipher.HeaderSize);
        Assert.Equal(0, cipher.TrailerSize);
        Assert.Equal(payload, d[cipher.HeaderSize..]);
        Assert.Equal(Crc32.HashToUInt32(payload), BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(16)));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Seal_SamePayloadTwice_UsesDifferentNonces(string name)
    {
        using PacketProtection cipher = Create(name);
        using SessionProtection session = cipher.CreateSession();
        byte[] a = Seg1Datagram();
        byte[] b = Seg1Datagram();

        session.Seal(a);
        session.Seal(b);

        Assert.NotEqual(a, b);
        Assert.True(TryOpen(cipher, a));
        Assert.True(TryOpen(cipher, b));
        Assert.NotEqual(a.AsSpan(0, 16).ToArray(), b.AsSpan(0, 16).ToArray());
        Assert.Equal(a.AsSpan(16).ToArray(), b.AsSpan(16).ToArray());
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_HeaderOnlyDatagram_Succeeds(string name)
    {
        using PacketProtection cipher = Create(name);
        var d = new byte[20];

        Seal(cipher, d);

        Assert.True(TryOpen(cipher, d));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_ShorterThanHeader_ReturnsFalse(string name)
    {
        using PacketProtection cipher = Create(name);
        for (int length = 0; length < 20; length++)
        {
            Assert.Equal(OpenResult.TooShort, cipher.Open(new byte[length]));
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Seal_ShorterThanHeader_Throws(string name)
    {
        using PacketProtection cipher = Create(name);

        Assert.Throws<ArgumentException>(() => Seal(cipher, new byte[19]));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_AnyBitFlippedFromChecksumOn_ReturnsFalse(string name)
    {
        using PacketProtection cipher = Create(name);
        byte[] sealedP2 = Seg2Datagram();
        cipher.SealWithNonce(sealedP2, Convert.FromHexString(SpecVectors.Nonce0Hex));

        for (int bit = 16 * 8; bit < sealedP2.Length * 8; bit++)
        {
            byte[] d = (byte[])sealedP2.Clone();
            d[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(TryOpen(cipher, d), $"bit {bit} flipped was accepted");
        }
    }

    /// <summary>
    /// Nonce bytes that neither the checksum nor the chaining protects (kcp-go's design: the CRC starts at byte 20).
    /// CFB with 16-byte blocks: a flip anywhere in [0,16) garbles bytes 16..31. CFB with 8-byte blocks: a flip in [0,8)
    /// only garbles [8,16), still nonce. Salsa20: [0,8) is the cipher nonce, [8,16) is plain keystream XOR. xor, none:
    /// nothing covers the nonce.
    /// </summary>
    private static (int Start, int End) UnprotectedNonceBytes(string name) => name switch
    {
        "aes" or "aes-128" or "aes-192" or "twofish" or "sm4" => (0, 0),
        "blowfish" or "cast5" or "3des" or "tea" or "xtea" => (0, 8),
        "salsa20" => (8, 16),
        _ => (0, 16),
    };

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_AnyProtectedBitFlipped_ReturnsFalse(string name)
    {
        using PacketProtection cipher = Create(name);
        byte[] sealedP1 = Convert.FromHexString(SpecVectors.P1Hex);
        cipher.SealWithNonce(sealedP1, Convert.FromHexString(SpecVectors.Nonce0Hex));
        (int start, int end) = UnprotectedNonceBytes(name);

        for (int bit = 0; bit < sealedP1.Length * 8; bit++)
        {
            if (bit / 8 >= start && bit / 8 < end)
            {
                continue;
            }

            byte[] d = (byte[])sealedP1.Clone();
            d[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(TryOpen(cipher, d), $"bit {bit} flipped was accepted");
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_UnprotectedNonceBitFlipped_IsAcceptedLikeKcpGo(string name)
    {
        using PacketProtection cipher = Create(name);
        byte[] sealedP1 = Seg1Datagram();
        Seal(cipher, sealedP1);
        (int start, int end) = UnprotectedNonceBytes(name);

        for (int i = start; i < end; i++)
        {
            byte[] d = (byte[])sealedP1.Clone();
            d[i] ^= 0x80;
            Assert.True(TryOpen(cipher, d));
            Assert.Equal(Convert.FromHexString(SpecVectors.Seg1Hex), d[20..]);
        }
    }

    [Theory]
    [MemberData(nameof(SpecVectors.KeyedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_WrongKey_ReturnsFalse(string name)
    {
        using PacketProtection sender = Create(name);
        using PacketProtection receiver = Create(name, KcpCrypt.DeriveKey("not the key"));
        byte[] d = Seg2Datagram();

        Seal(sender, d);

        Assert.False(TryOpen(receiver, d));
    }

    [Fact]
    public void TryOpen_XorWithWrongKey_ReturnsFalse()
    {
        using PacketProtection sender = Create("xor");
        using PacketProtection receiver = Create("xor", KcpCrypt.DeriveKey("not the key"));
        byte[] d = Seg2Datagram();

        Seal(sender, d);

        Assert.False(TryOpen(receiver, d));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void TryOpen_DifferentMode_ReturnsFalse(string name)
    {
        using PacketProtection sender = Create(name);
        using PacketProtection receiver = Create(name == "aes" ? "aes-128" : "aes");
        byte[] d = Seg2Datagram();

        Seal(sender, d);

        Assert.False(TryOpen(receiver, d));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void SealAndTryOpen_AfterWarmUp_AllocateNothing(string name)
    {
        using PacketProtection cipher = Create(name);
        using SessionProtection session = cipher.CreateSession();
        var d = new byte[1400];
        session.Seal(d);
        Assert.True(TryOpen(cipher, d));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            session.Seal(d);
            cipher.Open(d);
            session.Accept(d, 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void SealAndTryOpen_SharedAcrossThreads_StayCorrect(string name)
    {
        using PacketProtection cipher = Create(name);
        const int Threads = 4;
        const int Rounds = 300;
        int failures = 0;

        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int seed = t;
            threads[t] = new Thread(() =>
            {
                var random = new Random(seed);
                using SessionProtection session = cipher.CreateSession();   // one per sender: sessions are not thread-safe
                var payload = new byte[1480];
                var d = new byte[1500];
                for (int i = 0; i < Rounds; i++)
                {
                    int length = random.Next(0, payload.Length + 1);
                    random.NextBytes(payload.AsSpan(0, length));
                    payload.AsSpan(0, length).CopyTo(d.AsSpan(20));
                    Span<byte> datagram = d.AsSpan(0, 20 + length);
                    session.Seal(datagram);
                    if (!TryOpen(cipher, datagram) || !datagram[20..].SequenceEqual(payload.AsSpan(0, length)))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "worker hung");
        }

        Assert.Equal(0, failures);
    }
}
