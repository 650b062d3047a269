using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;
using Kcp.Transport.Tests.Protocol;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>Tier A admission: the session gate, takeover, tombstones, unvalidated reaping, prefix limits.</summary>
public sealed class AdmissionTests
{
    private static readonly KcpClock SystemClock = new(TimeProvider.System);

    private static byte[] Push(uint conv, uint sn, int length = 16) =>
        Segments.Build(Segments.Push(conv, sn, ts: 12345, new byte[length]));

    private static async Task SendAsync(KcpListener listener, Socket from, params byte[][] datagrams) =>
        await SendPacedAsync(listener, datagrams.Select(d => (from, d)).ToList());

    [Fact]
    public async Task Gate_AckOnlyParityOnlyStaleAndGarbage_NeverOpenASession_FreshPushDoes()
    {
        await using var listener = KcpListener.Bind(Loopback, Options());
        using Socket attacker = NewSocket();
        byte[] parity = new byte[40];
        parity[4] = 0xF2;

        byte[] badCmd = Push(5, 0);
        badCmd[4] = 99;
        await SendAsync(
            listener,
            attacker,
            Segments.Build(Segments.Ack(5, 0, 0)),
            Segments.Build(Segments.Control(5, KcpCommand.WindowAsk)),
            Push(5, 500),
            badCmd,
            parity,
            new byte[10]);

        Assert.Equal(0, listener.SessionCount);
        Assert.Equal(3, listener.Counters.Dropped(PacketDropReason.NotFresh));
        Assert.Equal(1, listener.Counters.Dropped(PacketDropReason.Malformed));
        Assert.Equal(1, listener.Counters.Dropped(PacketDropReason.NoSession));
        Assert.Equal(1, listener.Counters.Dropped(PacketDropReason.TooShort));

        await SendAsync(listener, attacker, Push(5, 3));
        KcpSession? session = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(5u, session!.Conversation);
    }

    [Fact]
    public async Task Takeover_OnlyAPushWithSn0_AndNeverByAClosedConversation()
    {
        await using var listener = KcpListener.Bind(Loopback, Options());
        using Socket peer = NewSocket();
        await SendAsync(listener, peer, Push(7, 0));
        KcpSession first = (await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)))!;

        await SendAsync(listener, peer, Segments.Build(Segments.Ack(8, 0, 0)), Push(8, 3));
        Assert.Equal(2, listener.Counters.Dropped(PacketDropReason.UnknownConversation));
        Assert.Equal(KcpCloseReason.None, first.CloseReason);

        await SendAsync(listener, peer, Push(8, 0));
        KcpSession second = (await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)))!;
        Assert.Equal(8u, second.Conversation);
        await WaitUntilAsync(() => first.CloseReason == KcpCloseReason.Replaced, "the old session to be replaced");

        // The replaced conversation cannot take the address back, and a closed one does not come back as a zombie.
        await SendAsync(listener, peer, Push(7, 0));
        Assert.Equal(1, listener.Counters.Dropped(PacketDropReason.Tombstoned));
        second.Abort();
        await WaitUntilAsync(() => listener.SessionCount == 0, "the aborted session to leave the table");
        await SendAsync(listener, peer, Push(8, 1));
        Assert.Equal(2, listener.Counters.Dropped(PacketDropReason.Tombstoned));
        Assert.Equal(0, listener.SessionCount);
        Assert.Equal(2, listener.Counters.PassiveOpens);
    }

    [Fact]
    public async Task UnvalidatedSession_IsReapedQuickly_ValidatedOneStays()
    {
        KcpOptions options = Options();
        options.Security.UnvalidatedIdleTimeout = TimeSpan.FromMilliseconds(500);
        await using var listener = KcpListener.Bind(Loopback, options);
        var accepted = new List<KcpSession>();
        _ = EchoAllAsync(listener, accepted);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        await EchoTransferAsync(client, 64 * 1024, seed: 5);

        using Socket silent = NewSocket();
        await SendAsync(listener, silent, Push(9, 0));
        await WaitUntilAsync(() => { lock (accepted) { return accepted.Count == 2; } }, "the silent peer's session");
        KcpSession legit, spoofed;
        lock (accepted)
        {
            (legit, spoofed) = (accepted[0], accepted[1]);
        }

        Assert.True(legit.Core.IsAddressValidated);
        Assert.False(spoofed.Core.IsAddressValidated);
        await WaitUntilAsync(() => spoofed.CloseReason == KcpCloseReason.IdleTimeout, "the unvalidated session to be reaped");
        Assert.Equal(KcpCloseReason.None, legit.CloseReason);
        Assert.Equal(0, listener.UnvalidatedSessionCount);
        await EchoTransferAsync(client, 16 * 1024, seed: 6);
    }

    [Fact]
    public async Task UnvalidatedSession_IdleTimeoutShorterThanTheUnvalidatedOne_ClosesAtIdleTimeoutAndWakesForIt()
    {
        // IdleTimeout below UnvalidatedIdleTimeout: an idle unvalidated session used to live for the longer one and ask
        // to be woken at the shorter one, a deadline already past on every turn from then on, so the scheduler served
        // it alone until the longer timeout reaped it (9 s in the test host; no other session of the process
        // retransmitted meanwhile). A session that proved nothing must not outlive one that did.
        KcpOptions options = Options();
        options.IdleTimeout = TimeSpan.FromSeconds(1);
        options.Security.UnvalidatedIdleTimeout = TimeSpan.FromSeconds(30);
        await using var listener = KcpListener.Bind(Loopback, options);
        using Socket silent = NewSocket();
        long sentAt = SystemClock.NowMs64;
        await SendAsync(listener, silent, Push(9, 0));
        KcpSession session = (await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)))!;
        Assert.False(session.Core.IsAddressValidated);
        var timer = (IKcpTimerTarget)session.Core;

        long halfway = sentAt + 500;
        long next = timer.OnTimer(halfway);
        Assert.InRange(next, halfway + 1, SystemClock.NowMs64 + 1001);

        Assert.Equal(-1, timer.OnTimer(SystemClock.NowMs64 + 2000));
        Assert.Equal(KcpCloseReason.IdleTimeout, session.CloseReason);
    }

    [Fact]
    public void Prefixes_GroupIPv4By24AndIPv6By64()
    {
        var admission = new Kcp.Transport.Ingress.Admission(new KcpSecurityOptions());
        Kcp.Transport.Ingress.Admission.PrefixKey Of(string ip, int port) => admission.PrefixOf(new IPEndPoint(IPAddress.Parse(ip), port).Serialize());

        Assert.Equal(Of("10.1.2.3", 1), Of("10.1.2.200", 2));
        Assert.NotEqual(Of("10.1.2.3", 1), Of("10.1.3.3", 1));
        Assert.Equal(Of("10.1.2.3", 1), Of("::ffff:10.1.2.99", 5));
        Assert.Equal(Of("2001:db8:1:2::1", 1), Of("2001:db8:1:2:ffff::7", 9));
        Assert.NotEqual(Of("2001:db8:1:2::1", 1), Of("2001:db8:1:3::1", 1));
    }

    [Fact]
    public void Validate_BadSecuritySettings_NameEachOne()
    {
        var options = new KcpOptions();
        options.Security.MaxUnvalidatedSessionsPerPrefix = 0;
        options.Security.IPv4PrefixLength = 40;
        options.Security.AmplificationFactor = -1;

        var errors = options.GetValidationErrors();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("KcpOptions.Security.MaxUnvalidatedSessionsPerPrefix", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("KcpOptions.Security.IPv4PrefixLength", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("KcpOptions.Security.AmplificationFactor", StringComparison.Ordinal));
        Assert.NotSame(options.Security, options.Clone().Security);
    }

    [Fact]
    public void Validate_AesGcmMtu_LeavesRoomForNonceTagAndFec()
    {
        // Mtu 60: 12 + 8 + 16 + 24 leaves no data byte; 65: the engine's own minimum of 50 is not met after the tag.
        var options = new KcpOptions { Crypt = "aes-128-gcm", Key = "k", Mtu = 60, DataShards = 1, ParityShards = 1 };
        Assert.Equal(2, options.GetValidationErrors().Count);
        options.Mtu = 65;
        Assert.Single(options.GetValidationErrors());
        options.Mtu = 66;
        Assert.Empty(options.GetValidationErrors());
    }
}
