using System.Buffers;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// The accept side of an smux endpoint: every KCP session the listener accepts runs an smux server session, and every
/// stream its peer opens (kcptun's client opens one per TCP connection) is queued as a connection of its own for
/// Kestrel's accept loop. When the smux session ends, its KCP session is closed; when the KCP session is lost, the
/// smux session ends and its streams are reset.
/// </summary>
internal sealed class SmuxStreamAcceptor(
    KcpListener listener,
    KcpEndPoint endPoint,
    KcpSmuxOptions options,
    MemoryPool<byte> memoryPool,
    ILogger logger,
    ILoggerFactory? loggerFactory,
    IMeterFactory? meterFactory,
    Action<SmuxStreamConnectionContext> onAccepted,
    Action<SmuxStreamConnectionContext> onDisposed)
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private Task? _sessions;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _sessions ??= Task.Run(AcceptSessionsAsync, CancellationToken.None);
        }

        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>No more connections: Kestrel's accept loop ends; streams opened later are refused.</summary>
    public void Stop() => _accepted.Writer.TryComplete();

    private async Task AcceptSessionsAsync()
    {
        try
        {
            while (await AcceptSessionAsync().ConfigureAwait(false) is { } session)
            {
                _ = ServeAsync(session);
            }
        }
        finally
        {
            _accepted.Writer.TryComplete();
        }
    }

    private async Task<KcpSession?> AcceptSessionAsync()
    {
        while (true)
        {
            try
            {
                return await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (Exception e) when (!_accepted.Reader.Completion.IsCompleted)
            {
                KcpAspNetCoreLog.AcceptError(logger, endPoint.Url, e);
            }
            catch (Exception)
            {
                return null;
            }
        }
    }

    private async Task ServeAsync(KcpSession session)
    {
        KcpSmuxSession smux = KcpSmuxSession.Start(session, options, loggerFactory, meterFactory);
        var feature = new KcpSessionFeature(session);
        try
        {
            while (await smux.AcceptStreamAsync().ConfigureAwait(false) is { } stream)
            {
                var connection = new SmuxStreamConnectionContext(stream, feature, session.LocalEndPoint, session.RemoteEndPoint, memoryPool, logger, onDisposed);
                onAccepted(connection);
                if (!_accepted.Writer.TryWrite(connection))
                {
                    connection.Abort(new ConnectionAbortedException("The KCP endpoint stopped accepting connections."));
                    await connection.DisposeAsync().ConfigureAwait(false);
                    continue;
                }

                KcpAspNetCoreLog.StreamAccepted(logger, connection.ConnectionId, stream.Id, session.Conversation, session.RemoteEndPoint);
            }
        }
        catch (Exception e)
        {
            KcpAspNetCoreLog.AcceptError(logger, endPoint.Url, e);
            smux.Abort("the endpoint failed to serve the session.");
        }
        finally
        {
            await smux.Completion.ConfigureAwait(false);
            KcpAspNetCoreLog.SmuxSessionEnded(logger, session.Conversation, session.RemoteEndPoint, smux.CloseReason);
            if (smux.CloseReason == KcpSmuxCloseReason.TransportClosed)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                // A peer we cannot talk to (protocol error, silence): nothing sent is worth waiting for.
                session.Abort();
            }
        }
    }
}
