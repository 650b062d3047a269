using System.Security.Cryptography;
using Kcp.Transport.Crypto;
using Kcp.Transport.Tests.Crypto;

namespace Kcp.Transport.Tests.Security;

/// <summary>aes-128-gcm's replay and reflection state: the session's window, the key's shared filter and peer-salt claims.</summary>
public sealed class AesGcmReplayTests
{
    private const long Horizon = 1000;

    /// <summary>One end's key: each end of a conversation has its own instance (its own sessions' salts).</summary>
    private static AesGcmPacketCipher Key() => (AesGcmPacketCipher)CipherRegistry.Create(
        KcpCrypt.AesGcmName, SpecVectors.DefaultPass, new ProtectionSettings { ReplayHorizonMs = Horizon });

    /// <summary>The next datagram of <paramref name="sender"/>, opened by <paramref name="receiver"/> as a receive loop would.</summary>
    private static byte[] Next(SessionProtection sender, PacketProtection receiver)
    {
        byte[] datagram = sender.Seal(new byte[12 + 24]).ToArray();
        Assert.Equal(OpenResult.Opened, receiver.Open(datagram));
        return datagram;
    }

    /// <summary>A kcp-go style datagram: a random 12-byte nonce, so a random salt every time.</summary>
    private static byte[] RandomNonceDatagram(PacketProtection key)
    {
        byte[] datagram = new byte[12 + 24 + 16];
        key.SealWithNonce(datagram, RandomNumberGenerator.GetBytes(12));
        Assert.Equal(OpenResult.Opened, key.Open(datagram));
        return datagram;
    }

    [Fact]
    public void Accept_PeerSalt_GoesThroughTheExactWindow_WhichNeverForgets()
    {
        using AesGcmPacketCipher client = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection sending = client.CreateSession();
        using SessionProtection receiving = server.CreateSession();
        byte[] first = Next(sending, server);
        byte[] second = Next(sending, server);
        byte[] third = Next(sending, server);

        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(first, 0));
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(third, 0));
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(second, 0));            // reordered within the window
        Assert.Equal(PacketVerdict.Replayed, receiving.Accept(second, 0));
        Assert.Equal(PacketVerdict.Replayed, receiving.Accept(first, 100 * Horizon));  // the window does not expire
    }

    [Fact]
    public void Accept_RandomNonces_GoThroughTheKeysFilter_ForTheHorizon()
    {
        using AesGcmPacketCipher peer = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection receiving = server.CreateSession();
        byte[] first = RandomNonceDatagram(peer);
        byte[] other = RandomNonceDatagram(peer);

        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(first, 0));        // takes the first salt as the peer's
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(other, 0));        // another salt: the shared filter
        Assert.Equal(PacketVerdict.Replayed, receiving.Accept(other, 100));
        Assert.Equal(PacketVerdict.Replayed, receiving.Accept(other, Horizon * 6 / 10));   // rotated once: still remembered
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(other, Horizon * 12 / 10));  // two rotations later: forgotten
    }

    [Fact]
    public void Accept_OurOwnSalts_AreReflected()
    {
        using AesGcmPacketCipher key = Key();
        using SessionProtection mine = key.CreateSession();
        using SessionProtection sibling = key.CreateSession();
        using SessionProtection receiving = key.CreateSession();

        Assert.Equal(PacketVerdict.Reflected, receiving.Accept(Next(receiving, key), 0));
        Assert.Equal(PacketVerdict.Reflected, receiving.Accept(Next(sibling, key), 0));
        Assert.True(key.IsReflected(Next(mine, key)));
        Assert.Equal(PacketVerdict.Reflected, key.AdmitNewPeer(Next(mine, key), 0));
    }

    [Fact]
    public void Accept_AfterAnotherSaltWasReflected_StillTakesThePeerSalt()
    {
        using AesGcmPacketCipher client = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection sending = client.CreateSession();
        using SessionProtection receiving = server.CreateSession();
        using SessionProtection sibling = server.CreateSession();

        Assert.Equal(PacketVerdict.Reflected, receiving.Accept(Next(sibling, server), 0));
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(Next(sending, server), 0));
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(Next(sending, server), 0));
    }

    [Fact]
    public void AdmitNewPeer_RefusesAClaimedSalt_UntilItsSessionIsDisposedPlusTheHorizon()
    {
        using AesGcmPacketCipher client = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection sending = client.CreateSession();
        byte[] first = Next(sending, server);
        SessionProtection session = server.CreateSession();

        Assert.Equal(PacketVerdict.Accepted, server.AdmitNewPeer(first, 0));
        Assert.Equal(PacketVerdict.Accepted, session.Accept(first, 0));          // the session takes the claim over
        Assert.Equal(PacketVerdict.Replayed, server.AdmitNewPeer(Next(sending, server), 100 * Horizon));   // owned: no expiry

        long before = Environment.TickCount64;
        session.Dispose();
        long after = Environment.TickCount64;

        Assert.Equal(PacketVerdict.Replayed, server.AdmitNewPeer(Next(sending, server), before + Horizon - 1));
        Assert.Equal(PacketVerdict.Accepted, server.AdmitNewPeer(Next(sending, server), after + Horizon));
    }

    [Fact]
    public void AdmitNewPeer_ClaimNoSessionTookOver_ExpiresAfterTheHorizon()
    {
        using AesGcmPacketCipher client = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection sending = client.CreateSession();

        Assert.Equal(PacketVerdict.Accepted, server.AdmitNewPeer(Next(sending, server), 0));
        Assert.Equal(PacketVerdict.Replayed, server.AdmitNewPeer(Next(sending, server), Horizon - 1));
        Assert.Equal(PacketVerdict.Accepted, server.AdmitNewPeer(Next(sending, server), Horizon));
    }

    [Fact]
    public void AdmitNewPeer_NonceSeenBefore_IsReplayed()
    {
        using AesGcmPacketCipher peer = Key();
        using AesGcmPacketCipher server = Key();
        using SessionProtection receiving = server.CreateSession();
        byte[] datagram = RandomNonceDatagram(peer);
        byte[] first = RandomNonceDatagram(peer);

        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(first, 0));
        Assert.Equal(PacketVerdict.Accepted, receiving.Accept(datagram, 0));     // remembered by the key's filter

        Assert.Equal(PacketVerdict.Replayed, server.AdmitNewPeer(datagram, 10));
    }

    [Fact]
    public void Dispose_ReleasesTheSendSalt()
    {
        using AesGcmPacketCipher key = Key();
        SessionProtection session = key.CreateSession();
        byte[] mine = Next(session, key);
        Assert.True(key.IsReflected(mine));

        session.Dispose();
        session.Dispose();   // once is what counts

        Assert.False(key.IsReflected(mine));
    }
}
