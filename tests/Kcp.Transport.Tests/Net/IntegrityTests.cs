using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// 64 MB C#↔C# transfers through the fault relay arrive byte-exact (SHA-256 on both ends): {0, 5, 15, 30 % loss} ×
/// {FEC off, 10/3} with 1–5 ms delay (reordering by jitter) and 1 % duplicates, then heavy reordering and heavy
/// duplication; fast3 with 2048-segment windows (<see cref="IntegritySettings"/>). The time each takes goes to the
/// test output, not into assertions.
/// </summary>
public sealed class IntegrityTests(ITestOutputHelper output)
{
    public static TheoryData<IntegrityLink, int, bool, IntegrityProfile> Cases() => IntegritySettings.Matrix();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Transfer_64MegabytesThroughFaultyLink_ArrivesByteExact(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
        => output.WriteLine(await IntegrityTransfer.RunAsync(link, lossPercent, fec, profile));
}
