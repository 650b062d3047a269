using Kcp.Transport.Crypto;
using Kcp.Transport.Tests.Crypto;

namespace Kcp.Transport.Tests.Security;

public sealed class AesGcmCipherTests
{
    private const string V9Hex = "000102030405060708090a0b" + "17be27d65b6cc5c13f13fbdf0d6795721def429d453df549a2951fe227" + "05aad5c66fa2793fbe84400d30edd95f";

    private static AesGcmPacketCipher Create() => (AesGcmPacketCipher)CipherRegistry.Create(KcpCrypt.AesGcmName, SpecVectors.DefaultPass);

    [Fact]
    public void Seal_V9Nonce_MatchesUpstreamLayoutVector()
    {
        using AesGcmPacketCipher cipher = Create();
        byte[] datagram = new byte[12 + 29 + 16];
        Convert.FromHexString(SpecVectors.Seg1Hex).CopyTo(datagram, 12);

        cipher.SealWithNonce(datagram, Convert.FromHexString("000102030405060708090a0b"));

        Assert.Equal(V9Hex, Convert.ToHexStringLower(datagram));
        Assert.Equal((12, 16), (cipher.HeaderSize, cipher.TrailerSize));
    }

    [Fact]
    public void TryOpen_V9_YieldsSeg1()
    {
        using AesGcmPacketCipher cipher = Create();
        byte[] datagram = Convert.FromHexString(V9Hex);

        Assert.Equal(OpenResult.Opened, cipher.Open(datagram));
        Assert.Equal(SpecVectors.Seg1Hex, Convert.ToHexStringLower(datagram.AsSpan(12, 29)));
    }

    [Fact]
    public async Task GoMaker_SealsAndOpensExactlyAsWeDo()
    {
        using AesGcmPacketCipher cipher = Create();
        var random = new Random(9);
        var requests = new List<string>();
        var ours = new List<byte[]>();
        var plaintexts = new List<byte[]>();
        for (int i = 0; i < 64; i++)
        {
            byte[] nonce = new byte[12];
            byte[] plain = new byte[random.Next(0, 1400)];
            random.NextBytes(nonce);
            random.NextBytes(plain);
            byte[] datagram = new byte[12 + plain.Length + 16];
            plain.CopyTo(datagram, 12);
            cipher.SealWithNonce(datagram, nonce);
            ours.Add(datagram);
            plaintexts.Add(plain);
            requests.Add($"seal {Convert.ToHexStringLower(nonce)} {Convert.ToHexStringLower(plain)}");
            requests.Add($"open {Convert.ToHexStringLower(datagram)}");
        }

        // A datagram from our session sequence (salt | counter nonce) opens in Go too.
        using (SessionProtection session = cipher.CreateSession())
        {
            byte[] live = new byte[12 + 29];
            Convert.FromHexString(SpecVectors.Seg1Hex).CopyTo(live, 12);
            requests.Add($"open {Convert.ToHexStringLower(session.Seal(live))}");
        }

        string[] answers = await GcmMaker.RunAsync(SpecVectors.DefaultPassphrase, requests);

        Assert.Equal(requests.Count, answers.Length);
        for (int i = 0; i < ours.Count; i++)
        {
            byte[] goSealed = Convert.FromHexString(answers[2 * i]);
            Assert.Equal(ours[i], goSealed);
            Assert.Equal(Convert.ToHexStringLower(plaintexts[i]), answers[(2 * i) + 1]);
            Assert.Equal(OpenResult.Opened, cipher.Open(goSealed));
            Assert.Equal(plaintexts[i], goSealed.AsSpan(12, plaintexts[i].Length).ToArray());
        }

        Assert.Equal(SpecVectors.Seg1Hex, answers[^1]);
    }

    [Fact]
    public void TryOpen_OneBitFlippedAnywhere_RefusesEveryOneOf10000()
    {
        using AesGcmPacketCipher cipher = Create();
        using SessionProtection session = cipher.CreateSession();
        var random = new Random(8);
        int refused = 0;
        for (int i = 0; i < 10_000; i++)
        {
            byte[] plain = new byte[12 + random.Next(24, 1400)];
            random.NextBytes(plain.AsSpan(12));
            byte[] datagram = session.Seal(plain).ToArray();
            int bit = random.Next(datagram.Length * 8);
            datagram[bit / 8] ^= (byte)(1 << (bit % 8));
            refused += cipher.Open(datagram) == OpenResult.Forged ? 1 : 0;
        }

        Assert.Equal(10_000, refused);
    }

    [Fact]
    public void SealAndOpen_SteadyState_AllocateNothing()
    {
        // Two instances of one key, as the two ends of a session: the receiver's own salts are not the sender's.
        using AesGcmPacketCipher sender = Create();
        using AesGcmPacketCipher receiver = Create();
        using SessionProtection sending = sender.CreateSession();
        using SessionProtection receiving = receiver.CreateSession();
        byte[] datagram = new byte[1384];
        byte[] received = new byte[1400];
        void RoundTrip()
        {
            sending.Seal(datagram).CopyTo(received);
            Assert.True(receiver.Open(received) == OpenResult.Opened);
            Assert.True(receiving.Accept(received, 0) == PacketVerdict.Accepted);
        }

        RoundTrip();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RoundTrip();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SendNonces_SaltThenIncreasingCounter_AndSaltIsOwned()
    {
        using AesGcmPacketCipher cipher = Create();
        var a = (AesGcmSessionProtection)cipher.CreateSession();
        byte[] n1 = a.Seal(new byte[12 + 24]).ToArray();
        byte[] n2 = a.Seal(new byte[12 + 24]).ToArray();

        Assert.Equal(a.SendSalt, AesGcmPacketCipher.SaltOf(n1));
        Assert.Equal(a.SendSalt, AesGcmPacketCipher.SaltOf(n2));
        Assert.Equal(BitConverter.ToUInt64(n1, 4) + 1, BitConverter.ToUInt64(n2, 4));
        Assert.True(cipher.IsReflected(n1));
        a.Dispose();
        Assert.False(cipher.IsReflected(n1));
    }

    [Fact]
    public void ReplayWindow_AcceptsEachCounterOnce_AndRefusesBelowTheWindow()
    {
        var window = new AeadReplayWindow(1);
        Assert.True(window.TryAccept(1000));
        Assert.False(window.TryAccept(1000));
        Assert.True(window.TryAccept(998));        // reordered, inside the window
        Assert.False(window.TryAccept(998));
        Assert.True(window.TryAccept(5000));       // a jump clears the old blocks
        Assert.False(window.TryAccept(1000));      // now below the window
        Assert.True(window.TryAccept(4999));
        for (ulong c = 5001; c < 9000; c++)
        {
            Assert.True(window.TryAccept(c));
        }

        Assert.False(window.TryAccept(5001));      // 8999 - 5001 >= 1984: below the window
        Assert.False(window.TryAccept(7100));      // inside the window, seen
        Assert.True(window.TryAccept(9500));
        Assert.True(window.TryAccept(9000));       // skipped by the jump, inside the window
    }

    [Fact]
    public void RandomNonceFilter_RefusesARepeatWithinTheHorizon_ForgetsAfter()
    {
        var filter = new AeadNonceFilter(horizonMs: 1000, maxNonces: 1 << 20);
        byte[] nonce = Convert.FromHexString("0102030405060708090a0b0c");

        Assert.True(filter.TryAdd(nonce, 0));
        Assert.False(filter.TryAdd(nonce, 400));
        Assert.False(filter.TryAdd(nonce, 900));   // rotated once at 500, still in the previous generation
        Assert.True(filter.TryAdd(nonce, 2100));   // two rotations later
    }
}
