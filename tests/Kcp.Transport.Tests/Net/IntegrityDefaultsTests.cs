using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// The same 64 MB byte-exact transfers with the library's default options (nodelay 0, interval 30 ms, 128-segment
/// windows), without loss and at 5 % loss with FEC 10/3. A class of their own so that xunit runs these window-bound,
/// mostly idle cases next to the CPU-bound loss-tuned matrix of <see cref="IntegrityTests"/> instead of after it.
/// </summary>
public sealed class IntegrityDefaultsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(IntegrityLink.Lossy, 0, false, IntegrityProfile.Defaults)]
    [InlineData(IntegrityLink.Lossy, 5, true, IntegrityProfile.Defaults)]
    public async Task Transfer_64MegabytesWithDefaultOptions_ArrivesByteExact(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
        => output.WriteLine(await IntegrityTransfer.RunAsync(link, lossPercent, fec, profile));
}
