using System.Globalization;
using System.Text.Json;
using Kcp.Interop.Tests.Harness;

namespace Kcp.Interop.Tests;

/// <summary>The harness tests, run after the parallel ones and alone.</summary>
[CollectionDefinition(nameof(GoGoHarnessCollection), DisableParallelization = true)]
public sealed class GoGoHarnessCollection;

/// <summary>
/// kcp-go against kcp-go through the harness: proves the peer, its JSON lines and the stream checks work before any C#
/// session is involved, so a failing C#↔Go test points at our code and not at the harness. Runs alone: a listener
/// without --bytes reports a session after 2 s of silence, and with the 64 MB integrity transfers beside it on two
/// cores a starved dialer stayed silent that long mid-stream (one window, 44,032 of 200,000 bytes).
/// </summary>
[Collection(nameof(GoGoHarnessCollection))]
public sealed class GoGoHarnessTests
{
    private const long OneMiB = 1 << 20;

    // The peers' own --timeout (seconds) ends a hung run well before the harness waits give up.
    private const string PeerTimeout = "90";

    private static readonly string[] AesWithFec = ["--crypt", "aes", "--datashard", "10", "--parityshard", "3"];

    [Theory]
    [InlineData("null")]
    [InlineData("aes")]
    public async Task Dial_EchoOneMiB_ReturnsTheStream(string crypt)
    {
        string[] flags = crypt == "aes" ? AesWithFec : ["--crypt", "null"];
        await using var listener = await GoPeer.ListenAsync([.. flags, "--mode", "echo", "--bytes", Bytes(OneMiB), "--timeout", PeerTimeout]);

        var (dialer, result) = await DialAsync(listener, [.. flags, "--mode", "echo", "--bytes", Bytes(OneMiB)]);
        await using (dialer)
        {
            JsonElement session = await WaitForSessionAsync(listener);

            AssertDialOk(result, OneMiB, dialer);
            Assert.Equal(0, await dialer.WaitForExitAsync(GoPeer.DefaultWait));
            AssertSessionOk(session, OneMiB, listener);
        }
    }

    [Fact]
    public async Task Dial_SinkOneMiBAesFec_ListenerReceivesTheStream()
    {
        await using var listener = await GoPeer.ListenAsync([.. AesWithFec, "--mode", "sink", "--bytes", Bytes(OneMiB), "--timeout", PeerTimeout]);

        var (dialer, result) = await DialAsync(listener, [.. AesWithFec, "--mode", "sink", "--bytes", Bytes(OneMiB)]);
        await using (dialer)
        {
            JsonElement session = await WaitForSessionAsync(listener);

            AssertDialOk(result, OneMiB, dialer);
            AssertSessionOk(session, OneMiB, listener);
            Assert.Equal(result.GetProperty("sha256").GetString(), session.GetProperty("sha256").GetString());
        }
    }

    [Fact]
    public async Task Dial_SourceOneMiB_DialerReceivesTheStream()
    {
        await using var listener = await GoPeer.ListenAsync(["--mode", "source", "--bytes", Bytes(OneMiB), "--timeout", PeerTimeout]);

        var (dialer, result) = await DialAsync(listener, ["--mode", "source", "--bytes", Bytes(OneMiB)]);
        await using (dialer)
        {
            JsonElement session = await WaitForSessionAsync(listener);

            AssertDialOk(result, OneMiB, dialer);
            AssertSessionOk(session, OneMiB, listener);
        }
    }

    [Fact]
    public async Task Dial_SinkThreeSessionsWithoutListenerBytes_EachSessionReportedAfterIdle()
    {
        const long size = 200_000;
        // A session counts as finished after --idle-end of silence. The peer's 2 s default once ended a session in CI
        // at 44,032 of 200,000 bytes, 32 full segments: likely kcp-go's 32-segment receive window before configure
        // widens it, then a zero-window wait for kcp's 7 s window probe. Allow 10 s.
        await using var listener = await GoPeer.ListenAsync(["--mode", "sink", "--mode-preset", "fast3", "--streammode", "false", "--idle-end", "10", "--timeout", PeerTimeout]);

        var (dialer, result) = await DialAsync(listener, ["--mode", "sink", "--mode-preset", "fast3", "--streammode", "false", "--bytes", Bytes(size), "--sessions", "3"]);
        await using (dialer)
        {
            var convs = new HashSet<long>();
            for (int i = 0; i < 3; i++)
            {
                JsonElement session = await WaitForSessionAsync(listener);
                AssertSessionOk(session, size, listener);
                convs.Add(session.GetProperty("conv").GetInt64());
            }

            AssertDialOk(result, size, dialer);
            Assert.Equal(3, result.GetProperty("sessions").GetInt32());
            Assert.Equal(3, convs.Count);
        }
    }

    [Fact]
    public async Task Dial_CipherMismatch_FailsWithOkFalse()
    {
        await using var listener = await GoPeer.ListenAsync(["--crypt", "aes", "--mode", "echo", "--timeout", PeerTimeout]);
        await using var dialer = GoPeer.Start(["dial", listener.ListenEndPoint!.ToString(), "--crypt", "salsa20", "--mode", "echo", "--bytes", "1000", "--timeout", "3"]);

        JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);

        Assert.False(result.GetProperty("ok").GetBoolean(), dialer.Describe());
        Assert.NotEqual(0, await dialer.WaitForExitAsync(GoPeer.DefaultWait));
    }

    private static async Task<(GoPeer Dialer, JsonElement Result)> DialAsync(GoPeer listener, string[] flags)
    {
        var dialer = GoPeer.Start(["dial", listener.ListenEndPoint!.ToString(), .. flags, "--timeout", PeerTimeout]);
        try
        {
            JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);
            return (dialer, result);
        }
        catch
        {
            await dialer.DisposeAsync();
            throw;
        }
    }

    private static Task<JsonElement> WaitForSessionAsync(GoPeer listener)
        => listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);

    private static void AssertDialOk(JsonElement result, long bytes, GoPeer dialer)
    {
        Assert.True(result.GetProperty("ok").GetBoolean(), dialer.Describe());
        Assert.Equal(bytes, result.GetProperty("bytes").GetInt64());
        Assert.Equal(TestStream.Sha256Hex(bytes), result.GetProperty("sha256").GetString());
        Assert.True(result.GetProperty("seconds").GetDouble() >= 0);
    }

    private static void AssertSessionOk(JsonElement session, long bytes, GoPeer listener)
    {
        Assert.True(session.GetProperty("ok").GetBoolean(), listener.Describe());
        long received = session.GetProperty("bytes").GetInt64();
        Assert.True(received == bytes, $"the session ended after {received} of {bytes} bytes: {listener.Describe()}");
        Assert.Equal(TestStream.Sha256Hex(bytes), session.GetProperty("sha256").GetString());
        Assert.NotEqual(0L, session.GetProperty("conv").GetInt64());
        Assert.StartsWith("127.0.0.1:", session.GetProperty("remote").GetString(), StringComparison.Ordinal);
    }

    private static string Bytes(long n) => n.ToString(CultureInfo.InvariantCulture);
}
