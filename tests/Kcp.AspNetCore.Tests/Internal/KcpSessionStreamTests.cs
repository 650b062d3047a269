using System.Security.Cryptography;
using Kcp.AspNetCore.Internal;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Tests.Internal;

/// <summary>The duplex stream HttpClient uses, against a Kestrel echo handler over KCP.</summary>
public sealed class KcpSessionStreamTests : IAsyncLifetime
{
    private KcpTestHost _host = null!;

    public async Task InitializeAsync()
        => _host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<KcpSessionStream> OpenAsync()
    {
        KcpSession session = await KcpClient.ConnectAsync(_host.KcpEndPoint, new KcpOptions { LingerTimeout = TimeSpan.FromSeconds(2) }).DefaultTimeout();
        return new KcpSessionStream(session);
    }

    [Fact]
    public async Task ReadAsync_AfterWrite_ReturnsTheEchoedBytesInOrder()
    {
        await using KcpSessionStream stream = await OpenAsync();
        byte[] payload = RandomNumberGenerator.GetBytes(200_000);

        await stream.WriteAsync(payload).DefaultTimeout();
        byte[] received = new byte[payload.Length];
        await stream.ReadExactlyAsync(received).DefaultTimeout();

        Assert.Equal(payload, received);
    }

    [Fact]
    public async Task ReadAsync_SmallBuffer_ReturnsAtMostTheBufferAndKeepsTheRest()
    {
        await using KcpSessionStream stream = await OpenAsync();
        await stream.WriteAsync("abcdef"u8.ToArray()).DefaultTimeout();
        byte[] buffer = new byte[4];

        int first = await stream.ReadAsync(buffer.AsMemory(0, 2)).DefaultTimeout();
        await stream.ReadExactlyAsync(buffer.AsMemory(first, 4 - first)).DefaultTimeout();

        Assert.Equal(2, first);
        Assert.Equal("abcd"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task ReadAsync_SessionAborted_ReturnsEndOfStream()
    {
        await using KcpSessionStream stream = await OpenAsync();
        ValueTask<int> read = stream.ReadAsync(new byte[16]);

        stream.Session!.Abort();

        Assert.Equal(0, await read.DefaultTimeout());
    }

    [Fact]
    public async Task WriteAsync_SessionClosed_ThrowsIOException()
    {
        await using KcpSessionStream stream = await OpenAsync();
        stream.Session!.Abort();

        await Assert.ThrowsAnyAsync<IOException>(() => stream.WriteAsync(new byte[10]).AsTask()).DefaultTimeout();
    }

    [Fact]
    public async Task Dispose_Synchronous_ClosesTheSessionInTheBackground()
    {
        KcpSessionStream stream = await OpenAsync();
        await stream.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        stream.Dispose();

        Assert.False(stream.CanRead);
        Assert.True(stream.Session!.Closed.WaitHandle.WaitOne(TestTimeouts.Default));
        Assert.Equal(KcpCloseReason.LocalClose, stream.Session!.CloseReason);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[1]).AsTask()).DefaultTimeout();
    }
}
