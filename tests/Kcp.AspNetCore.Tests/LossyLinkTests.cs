using Xunit.Abstractions;

namespace Kcp.AspNetCore.Tests;

/// <summary>Every <see cref="HttpOverKcpTests"/> test with AES + FEC 10/3 through a relay with 10 % loss, jitter and duplicates.</summary>
public sealed class HttpOverLossyKcpTests(ITestOutputHelper output) : HttpOverKcpTests(KcpTestLink.LossyAesFec, output)
{
    [Fact]
    public async Task Get_OneMegabyteThroughTheRelay_ArrivesWhileTheRelayDropsDatagrams()
    {
        using HttpClient client = CreateKcpClient();

        byte[] body = await client.GetByteArrayAsync("bytes/1048576").DefaultTimeout();

        Assert.Equal(1 << 20, body.Length);
        Assert.True(Path.Dropped > 0, "The relay dropped nothing: the lossy suite would not test loss.");
    }
}

/// <summary>Every <see cref="ConnectionHandlerTests"/> test with AES + FEC 10/3 through a relay with 10 % loss, jitter and duplicates.</summary>
public sealed class ConnectionHandlerLossyTests() : ConnectionHandlerTests(KcpTestLink.LossyAesFec);
