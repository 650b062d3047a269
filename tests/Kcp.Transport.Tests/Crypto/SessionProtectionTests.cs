using System.Buffers.Binary;
using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>What every session protection promises its session: where the sealed bytes are, and fresh nonces.</summary>
public sealed class SessionProtectionTests
{
    [Fact]
    public void Null_SealReturnsTheSpanUnchanged_OpenAndAcceptPassEverything()
    {
        using PacketProtection protection = CipherRegistry.Create("null", default);
        using SessionProtection session = protection.CreateSession();
        byte[] payload = RandomNumberGenerator.GetBytes(100);
        byte[] datagram = (byte[])payload.Clone();

        ReadOnlySpan<byte> sealedDatagram = session.Seal(datagram);

        Assert.True(sealedDatagram == datagram.AsSpan());
        Assert.Equal(payload, datagram);
        Assert.Equal(OpenResult.Opened, protection.Open(datagram));
        Assert.Equal(OpenResult.Opened, protection.Open([]));
        Assert.Equal(payload, datagram.AsSpan(protection.HeaderSize, datagram.Length - protection.HeaderSize - protection.TrailerSize).ToArray());
        Assert.Equal(PacketVerdict.Accepted, session.Accept(datagram, 0));
        Assert.Equal(PacketVerdict.Accepted, protection.AdmitNewPeer(datagram, 0));
        Assert.False(protection.IsReflected(datagram));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Framed_SealsInPlace_AndReturnsTheSameSpan(string name)
    {
        using PacketProtection protection = CipherRegistry.Create(name, SpecVectors.DefaultPass);
        using SessionProtection session = protection.CreateSession();
        byte[] datagram = new byte[20 + 100];

        ReadOnlySpan<byte> sealedDatagram = session.Seal(datagram);

        Assert.True(sealedDatagram == datagram.AsSpan());
        Assert.Equal(OpenResult.Opened, protection.Open(datagram));
        Assert.Equal(PacketVerdict.Accepted, session.Accept(datagram, 0));
        Assert.Equal(PacketVerdict.Accepted, protection.AdmitNewPeer(datagram, 0));
        Assert.False(protection.IsReflected(datagram));
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Framed_BeginThenFinishManySeals_EqualsSealingEachWithItsNonce(string name)
    {
        using PacketProtection protection = CipherRegistry.Create(name, SpecVectors.DefaultPass);
        using SessionProtection session = protection.CreateSession();
        const int Stride = 1500;
        int[] lengths = [1400, 1400, 20, 1400, 21, 1399, 1400, 1400, 1400, 1400, 700];
        byte[] region = new byte[lengths.Length * Stride];
        byte[] expected = new byte[region.Length];
        for (int k = 0; k < lengths.Length; k++)
        {
            Span<byte> datagram = region.AsSpan(k * Stride, lengths[k]);
            RandomNumberGenerator.Fill(datagram[20..]);

            Assert.True(session.TryBeginSeal(datagram));

            datagram.CopyTo(expected.AsSpan(k * Stride));
            protection.SealWithNonce(expected.AsSpan(k * Stride, lengths[k]), datagram[..16]);
        }

        protection.FinishSeals(region, Stride, lengths);

        Assert.Equal(expected, region);
        for (int k = 0; k < lengths.Length; k++)
        {
            Assert.Equal(OpenResult.Opened, protection.Open(region.AsSpan(k * Stride, lengths[k])));
        }
    }

    [Theory]
    [InlineData("null")]
    [InlineData(KcpCrypt.AesGcmName)]
    public void OneStepProtections_DoNotBeginASeal(string name)
    {
        using PacketProtection protection = CipherRegistry.Create(name, SpecVectors.DefaultPass);
        using SessionProtection session = protection.CreateSession();
        byte[] datagram = new byte[12 + 100];

        Assert.False(session.TryBeginSeal(datagram));
        Assert.All(datagram, b => Assert.Equal(0, b));
    }

    [Fact]
    public void AesGcm_SealReturnsACopyWithTheTag_AndLeavesTheInputAlone()
    {
        using PacketProtection protection = CipherRegistry.Create(KcpCrypt.AesGcmName, SpecVectors.DefaultPass);
        using SessionProtection session = protection.CreateSession();
        byte[] datagram = new byte[12 + 100];
        RandomNumberGenerator.Fill(datagram.AsSpan(12));
        byte[] before = (byte[])datagram.Clone();

        byte[] sealedDatagram = session.Seal(datagram).ToArray();

        Assert.Equal(datagram.Length + protection.TrailerSize, sealedDatagram.Length);
        Assert.False(session.Seal(datagram).Overlaps(datagram));
        Assert.Equal(before, datagram);
        Assert.Equal(OpenResult.Opened, protection.Open(sealedDatagram));
        Assert.Equal(before[12..], sealedDatagram[12..^16]);
    }

    [Fact]
    public void AesGcm_SealTooShortForTheNonce_Throws()
    {
        using PacketProtection protection = CipherRegistry.Create(KcpCrypt.AesGcmName, SpecVectors.DefaultPass);
        using SessionProtection session = protection.CreateSession();

        Assert.Throws<ArgumentException>(() => session.Seal(new byte[11]));
    }

    [Fact]
    public void Framed_NoncesOfManySessionsOfOneKey_NeverRepeatAcrossRangeRefills()
    {
        // "none" leaves the nonce in clear. Three sessions interleave 3 x 10,000 seals: each refills its range twice.
        using PacketProtection protection = CipherRegistry.Create("none", default);
        SessionProtection[] sessions = [protection.CreateSession(), protection.CreateSession(), protection.CreateSession()];
        var seen = new HashSet<UInt128>();
        byte[] datagram = new byte[20 + 8];
        for (int i = 0; i < 10_000; i++)
        {
            foreach (SessionProtection session in sessions)
            {
                session.Seal(datagram);
                Assert.True(seen.Add(BinaryPrimitives.ReadUInt128LittleEndian(datagram)), $"nonce repeated at draw {i}");
            }
        }

        foreach (SessionProtection session in sessions)
        {
            session.Dispose();
        }

        Assert.True(2 * NonceGenerator.RangeSize < 10_000);
        Assert.Equal(30_000, seen.Count);
    }

    [Fact]
    public void AesGcm_NoncesOfManySessionsOfOneKey_NeverRepeat()
    {
        using PacketProtection protection = CipherRegistry.Create(KcpCrypt.AesGcmName, SpecVectors.DefaultPass);
        SessionProtection[] sessions = [.. Enumerable.Range(0, 50).Select(_ => protection.CreateSession())];
        var seen = new HashSet<(uint, ulong)>();
        var salts = new HashSet<uint>();
        byte[] datagram = new byte[12 + 8];
        for (int i = 0; i < 200; i++)
        {
            foreach (SessionProtection session in sessions)
            {
                ReadOnlySpan<byte> nonce = session.Seal(datagram);
                uint salt = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
                salts.Add(salt);
                Assert.True(seen.Add((salt, BinaryPrimitives.ReadUInt64LittleEndian(nonce[4..]))), "nonce repeated");
            }
        }

        foreach (SessionProtection session in sessions)
        {
            session.Dispose();
        }

        Assert.Equal(sessions.Length, salts.Count);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    [InlineData("null")]
    [InlineData("aes-128-gcm")]
    public void SealOpenAccept_AfterWarmUp_AllocateNothing(string name)
    {
        // Two instances of one key as the two ends, so aes-128-gcm's receiver does not see its own salt.
        using PacketProtection sender = CipherRegistry.Create(name, SpecVectors.DefaultPass);
        using PacketProtection receiver = CipherRegistry.Create(name, SpecVectors.DefaultPass);
        using SessionProtection sending = sender.CreateSession();
        using SessionProtection receiving = receiver.CreateSession();
        byte[] datagram = new byte[1400 - sender.TrailerSize];
        byte[] received = new byte[1400];
        void RoundTrip()
        {
            sending.Seal(datagram).CopyTo(received);
            Assert.True(receiver.Open(received) == OpenResult.Opened);
            Assert.True(receiving.Accept(received, 0) == PacketVerdict.Accepted);
        }

        RoundTrip();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5000; i++)   // framed: one range refill on the way
        {
            RoundTrip();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
