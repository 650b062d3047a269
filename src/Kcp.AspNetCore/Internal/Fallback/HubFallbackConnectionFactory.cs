using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// SignalR's connection factory for <c>WithKcp(endPoint, fallbackUrl)</c>: each hub connection races KCP against
/// SignalR's HTTP transports to the hub's URL (negotiate, then WebSockets, server-sent events or long polling, as
/// <c>WithUrl</c> connects), and is carried by the winner alone. A fallback that won is remembered by the
/// <see cref="KcpConnectionFactory"/>, so that reconnects and hub connections sharing it go straight to it for a while.
/// </summary>
internal sealed class HubFallbackConnectionFactory : IConnectionFactory, IAsyncDisposable
{
    private readonly KcpConnectionFactory _kcp;
    private readonly bool _ownsKcp;
    private readonly Uri _url;
    private readonly Action<HttpConnectionOptions>? _configureHttp;
    private readonly TransferFormat _transferFormat;
    private readonly ILoggerFactory _loggerFactory;
    private readonly FallbackReporter _reporter;

    public HubFallbackConnectionFactory(
        KcpConnectionFactory kcp,
        bool ownsKcp,
        Uri url,
        Action<HttpConnectionOptions>? configureHttp,
        TransferFormat transferFormat,
        KcpFallbackOptions options,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory)
    {
        _kcp = kcp;
        _ownsKcp = ownsKcp;
        _url = url;
        _configureHttp = configureHttp;
        _transferFormat = transferFormat;
        _loggerFactory = loggerFactory;
        _reporter = new FallbackReporter(kcp.FallbackMemory, options, loggerFactory.CreateLogger(KcpAspNetCoreLog.Category), FallbackInstruments.Connections(meterFactory));
    }

    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        IPEndPoint target = endpoint switch
        {
            KcpEndPoint kcpEndPoint => kcpEndPoint.IPEndPoint,
            IPEndPoint ip => ip,
            _ => throw new NotSupportedException($"KCP connects only to a {nameof(KcpEndPoint)} or an {nameof(IPEndPoint)}, not {endpoint.GetType().Name} '{endpoint}'."),
        };
        TimeProvider time = _reporter.Time;
        long startedAt = time.GetTimestamp();
        string fallback = _url.ToString();
        var selection = new TransportSelection(endpoint);
        if (_reporter.Memory.UseFallback(target, time))
        {
            try
            {
                RaceCandidate remembered = await ConnectHttpAsync(cancellationToken).ConfigureAwait(false);
                _reporter.Decided(selection, target, fallback, remembered.Name, remembered: true, time.GetElapsedTime(startedAt));
                return new RacingConnectionContext(remembered, selection, remembered.Connection!.ConnectionClosed);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                _reporter.RememberedFallbackFailed(target, fallback, e);
            }
        }

        ConnectionContext kcp = await _kcp.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        IKcpSessionFeature session = kcp.Features.Get<IKcpSessionFeature>()!;
        var race = new TransportRace(
            RaceCandidate.For(TransportSelection.Kcp, kcp),
            () => session.GetStatistics().Counters.InSegments,
            kcp.ConnectionClosed,
            ConnectHttpAsync,
            _reporter.Options.HeadStart,
            time,
            (winner, elapsed) => _reporter.Decided(selection, target, fallback, winner.Name, remembered: false, elapsed),
            (error, closed) =>
            {
                if (!closed)
                {
                    _reporter.Failed(selection, target, fallback, error);
                }
                else
                {
                    selection.Fail(error);
                }
            });
        var connection = new RacingConnectionContext(race, selection);
        race.Start();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsKcp)
        {
            await _kcp.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<RaceCandidate> ConnectHttpAsync(CancellationToken cancellationToken)
    {
        // Options per attempt, as WithUrl configures them: the caller's settings, the hub protocol's transfer format.
        var options = new HttpConnectionOptions { Url = _url, DefaultTransferFormat = _transferFormat };
        _configureHttp?.Invoke(options);
        options.Url = _url;

        // HubConnection reads the stateful-reconnect feature before the race is decided: never offered here.
        options.UseStatefulReconnect = false;
        var observer = new HttpTransportObserver();
        Func<HttpMessageHandler, HttpMessageHandler>? configured = options.HttpMessageHandlerFactory;
        options.HttpMessageHandlerFactory = inner => observer.Wrap(configured is null ? inner : configured(inner));
        var factory = new HttpConnectionFactory(Options.Create(options), _loggerFactory);
        ConnectionContext connection = await factory.ConnectAsync(new UriEndPoint(_url), cancellationToken).ConfigureAwait(false);
        return RaceCandidate.For(observer.TransportName(connection), connection);
    }
}
