using Kcp.Transport.Tests.Support;

namespace Kcp.Interop.Tests.Harness;

/// <summary>The checks and the report line every C#↔kcp-go integrity case shares.</summary>
internal static class IntegrityReport
{
    /// <summary>64 MB: the size issue 8 asks for; every case, both directions.</summary>
    public const long Bytes = 64L << 20;

    /// <summary>Only a hang guard: the slowest case (library defaults) takes about 15-30 s.</summary>
    public static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);

    /// <summary>The peer gives up a little before the test's bound, so its report says what it saw.</summary>
    public const string PeerTimeout = "290";

    public static void AssertFaultsHappened(IntegrityLink link, int lossPercent, UdpFaultRelay relay)
    {
        if (lossPercent > 0)
        {
            Assert.True(relay.Dropped > 0, "The relay dropped nothing: the case did not test loss.");
        }

        if (link == IntegrityLink.Duplicating)
        {
            Assert.True(relay.Duplicated > 0, "The relay duplicated nothing: the case did not test duplication.");
        }
    }

    public static string Line(string direction, IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile, TimeSpan elapsed, UdpFaultRelay relay)
        => $"{direction} {Bytes >> 20} MB, {IntegritySettings.Describe(link, lossPercent, fec, profile)}: {elapsed.TotalSeconds:F1} s " +
            $"({(Bytes >> 20) / elapsed.TotalSeconds:F1} MB/s); relay dropped {relay.Dropped}, duplicated {relay.Duplicated}";
}
