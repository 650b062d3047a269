using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of <see cref="KcpHttpHandler.CreateWithTcpFallback"/>: each
/// HTTP connection races a KCP session to the fixed KCP endpoint against a TCP connection to the request's own host
/// and port (the client's base address), and the stream is the winner's. The handler remembers a TCP win for the
/// KCP endpoint (<see cref="KcpFallbackOptions.RememberFallbackFor"/>) and dials TCP alone until it expires.
/// </summary>
internal sealed class HttpFallbackConnector
{
    private const string Tcp = "tcp";

    private readonly IPEndPoint _kcp;
    private readonly KcpOptions _options;
    private readonly SmuxSessionPool? _smux;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly FallbackReporter _reporter;

    public HttpFallbackConnector(IPEndPoint kcp, KcpOptions options, SmuxSessionPool? smux, KcpFallbackOptions fallback, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        _kcp = kcp;
        _options = options;
        _smux = smux;
        _loggerFactory = loggerFactory;
        _meterFactory = meterFactory;
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(KcpAspNetCoreLog.Category);
        _reporter = new FallbackReporter(new FallbackMemory(), fallback, logger, FallbackInstruments.Connections(meterFactory));
    }

    /// <summary>The memory of TCP wins (tests).</summary>
    internal FallbackMemory Memory => _reporter.Memory;

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        DnsEndPoint tcp = context.DnsEndPoint;
        string fallback = $"{tcp.Host}:{tcp.Port}";
        TimeProvider time = _reporter.Time;
        long startedAt = time.GetTimestamp();
        var selection = new TransportSelection(_kcp);
        if (_reporter.Memory.UseFallback(_kcp, time))
        {
            try
            {
                NetworkStream remembered = await ConnectTcpAsync(tcp, cancellationToken).ConfigureAwait(false);
                _reporter.Decided(selection, _kcp, fallback, Tcp, remembered: true, time.GetElapsedTime(startedAt));
                return remembered;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                _reporter.RememberedFallbackFailed(_kcp, fallback, e);
            }
        }

        (RaceCandidate kcp, Func<long> segmentsReceived, CancellationToken kcpClosed) = await DialKcpAsync(cancellationToken).ConfigureAwait(false);
        var race = new TransportRace(
            kcp,
            segmentsReceived,
            kcpClosed,
            end => ConnectTcpCandidateAsync(tcp, end),
            _reporter.Options.HeadStart,
            time,
            (winner, elapsed) => _reporter.Decided(selection, _kcp, fallback, winner.Name, remembered: false, elapsed),
            (error, closed) =>
            {
                if (!closed)
                {
                    _reporter.Failed(selection, _kcp, fallback, error);
                }
                else
                {
                    selection.Fail(error);
                }
            });
        race.Start();
        return KcpSessionStream.Over(race, race.DisposeAsync, () => new IOException($"The connection to {fallback} (KCP {_kcp}) was closed."));
    }

    private async ValueTask<(RaceCandidate Candidate, Func<long> SegmentsReceived, CancellationToken Closed)> DialKcpAsync(CancellationToken cancellationToken)
    {
        if (_smux is not null)
        {
            (KcpSmuxStream stream, SmuxSessionPool.Entry entry) = await _smux.OpenStreamAsync(_kcp, _options, cancellationToken).ConfigureAwait(false);
            var streamCandidate = new RaceCandidate(
                TransportSelection.Kcp,
                new KcpDuplexPipe(stream.Input, stream.Output),
                Connection: null,
                async () =>
                {
                    try
                    {
                        await stream.DisposeAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        entry.OnStreamClosed();
                    }
                },
                stream.Abort);
            KcpSession shared = entry.Session;
            return (streamCandidate, () => shared.GetStatistics().Counters.InSegments, stream.Closed);
        }

        KcpSession session = await KcpClient.ConnectAsync(_kcp, _options, _loggerFactory, _meterFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        var candidate = new RaceCandidate(TransportSelection.Kcp, new KcpDuplexPipe(session.Input, session.Output), Connection: null, session.DisposeAsync, e => session.Abort(e));
        return (candidate, () => session.GetStatistics().Counters.InSegments, session.Closed);
    }

    private static async Task<RaceCandidate> ConnectTcpCandidateAsync(DnsEndPoint target, CancellationToken cancellationToken)
    {
        NetworkStream stream = await ConnectTcpAsync(target, cancellationToken).ConfigureAwait(false);
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        return new RaceCandidate(
            Tcp,
            new KcpDuplexPipe(reader, writer),
            Connection: null,
            async () =>
            {
                try
                {
                    await writer.CompleteAsync().ConfigureAwait(false);
                    await reader.CompleteAsync().ConfigureAwait(false);
                }
                finally
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
            },
            _ => stream.Socket.Dispose());
    }

    private static async Task<NetworkStream> ConnectTcpAsync(DnsEndPoint target, CancellationToken cancellationToken)
    {
        // As SocketsHttpHandler dials without a ConnectCallback: a dual-mode socket, Nagle off.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
