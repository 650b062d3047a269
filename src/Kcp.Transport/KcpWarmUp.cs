using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport;

/// <summary>
/// Runs a listener's datagram path once before its socket opens (issue 30): a private listener and a dialed session on
/// loopback, with the listener's cipher, FEC and socket backend, exchange a byte each way and are aborted. Without it
/// the first session of a process waited for the JIT compiler and type loading of that whole path (60–80 ms on a
/// 2-core machine before its first ACK). Once per runtime and path; nothing of it is counted, logged or reported, and a
/// warm-up that fails (no loopback, say) is skipped: the listener works the same, only its first session is slower.
/// </summary>
internal static class KcpWarmUp
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public static void Run(KcpRuntime runtime, KcpOptions options, AddressFamily family)
    {
        string profile = $"{family}|{options.Crypt}|{options.DataShards > 0 && options.ParityShards > 0}|{Io.UdpSocket.Resolve(options.SocketBackend)}";
        if (!runtime.ClaimWarmUp(profile))
        {
            return;
        }

        try
        {
            // Synchronously, off the caller's synchronization context; bounded, so a stuck loopback cannot stall a start.
            Task.Run(() => ExchangeAsync(runtime, options, family)).Wait(Limit);
        }
        catch (AggregateException)
        {
            // Skipped (see the summary).
        }
    }

    /// <summary>The exchange; completes once the byte came back (the private listener and session close in the background).</summary>
    private static async Task ExchangeAsync(KcpRuntime runtime, KcpOptions listenerOptions, AddressFamily family)
    {
        KcpOptions options = listenerOptions.Clone();
        options.ReusePort = false;
        options.SocketReceiveBufferSize = options.SocketSendBufferSize = 0;
        var loopback = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        var cancel = new CancellationTokenSource(Limit);
        KcpListener listener = KcpListener.BindCore(loopback, options, NullLogger.Instance, instruments: null, runtime);
        KcpSession? client = null, server = null;
        try
        {
            client = KcpClient.Connect(listener.LocalEndPoint, options, NullLogger.Instance, instruments: null, runtime);
            await client.Output.WriteAsync(new byte[] { 1 }, cancel.Token).ConfigureAwait(false);
            server = await listener.AcceptAsync(cancel.Token).ConfigureAwait(false);
            if (server is null)
            {
                return;
            }

            await ReadOneAsync(server.Input, cancel.Token).ConfigureAwait(false);
            await server.Output.WriteAsync(new byte[] { 2 }, cancel.Token).ConfigureAwait(false);
            await ReadOneAsync(client.Input, cancel.Token).ConfigureAwait(false);
        }
        finally
        {
            client?.Abort();
            server?.Abort();

            // Closing is not on the path of a first datagram: the listener need not wait for it.
            _ = Task.Run(async () =>
            {
                cancel.Dispose();
                await listener.DisposeAsync().ConfigureAwait(false);
            });
        }
    }

    private static async Task ReadOneAsync(PipeReader input, CancellationToken cancellationToken)
    {
        ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
        input.AdvanceTo(result.Buffer.End);
    }
}
