using System.Net;
using Kcp.Transport;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>Log events of the Kestrel and client glue. Ids are fixed; a retired id stays reserved. Nothing here logs per packet.</summary>
internal static partial class KcpAspNetCoreLog
{
    /// <summary>The logger category of this assembly.</summary>
    public const string Category = "Kcp.AspNetCore";

    [LoggerMessage(1, LogLevel.Information, "Now listening on: {Url} (KCP over UDP{Declared})", EventName = "ListenerStarted")]
    public static partial void ListenerStarted(ILogger logger, string url, string declared);

    [LoggerMessage(2, LogLevel.Debug, "KCP transport on {Url} stopped accepting; open connections continue.", EventName = "ListenerUnbound")]
    public static partial void ListenerUnbound(ILogger logger, string url);

    [LoggerMessage(3, LogLevel.Debug, "KCP transport on {Url} closed its socket.", EventName = "ListenerDisposed")]
    public static partial void ListenerDisposed(ILogger logger, string url);

    [LoggerMessage(4, LogLevel.Error, "Unexpected error while accepting KCP sessions on {Url}; accepting continues.", EventName = "AcceptError")]
    public static partial void AcceptError(ILogger logger, string url, Exception exception);

    [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId} (KCP conv {Conv}) from {Remote} accepted.", EventName = "ConnectionAccepted")]
    public static partial void ConnectionAccepted(ILogger logger, string connectionId, uint conv, IPEndPoint remote);

    [LoggerMessage(6, LogLevel.Debug, "Connection {ConnectionId} (KCP conv {Conv}) to {Remote} opened.", EventName = "ConnectionOpened")]
    public static partial void ConnectionOpened(ILogger logger, string connectionId, uint conv, IPEndPoint remote);

    [LoggerMessage(7, LogLevel.Debug, "Connection {ConnectionId} aborted: {Reason}", EventName = "ConnectionAborted")]
    public static partial void ConnectionAborted(ILogger logger, string connectionId, string reason);

    [LoggerMessage(8, LogLevel.Debug, "Connection {ConnectionId} reset: the KCP session ended with {Reason}.", EventName = "ConnectionReset")]
    public static partial void ConnectionReset(ILogger logger, string connectionId, KcpCloseReason reason);

    [LoggerMessage(9, LogLevel.Debug, "Connection {ConnectionId} disposed after the KCP session ended with {Reason}.", EventName = "ConnectionDisposed")]
    public static partial void ConnectionDisposed(ILogger logger, string connectionId, KcpCloseReason reason);

    [LoggerMessage(10, LogLevel.Warning, "Configuration under Kcp changed ({Keys}); KCP endpoints and their settings are read once, at start-up: restart the host to apply the change.", EventName = "ConfigurationChangeIgnored")]
    public static partial void ConfigurationChangeIgnored(ILogger logger, string keys);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} (smux stream {StreamId} of KCP conv {Conv}) from {Remote} accepted.", EventName = "StreamAccepted")]
    public static partial void StreamAccepted(ILogger logger, string connectionId, uint streamId, uint conv, IPEndPoint remote);

    [LoggerMessage(12, LogLevel.Debug, "Connection {ConnectionId} (smux stream {StreamId} of KCP conv {Conv}) to {Remote} opened.", EventName = "StreamOpened")]
    public static partial void StreamOpened(ILogger logger, string connectionId, uint streamId, uint conv, IPEndPoint remote);

    [LoggerMessage(13, LogLevel.Debug, "Connection {ConnectionId} reset: the smux session under stream {StreamId} ended with {Reason}.", EventName = "StreamReset")]
    public static partial void StreamReset(ILogger logger, string connectionId, uint streamId, KcpSmuxCloseReason reason);

    [LoggerMessage(14, LogLevel.Debug, "Connection {ConnectionId} (smux stream {StreamId}) disposed; its smux session: {SessionState}.", EventName = "StreamDisposed")]
    public static partial void StreamDisposed(ILogger logger, string connectionId, uint streamId, KcpSmuxCloseReason sessionState);

    [LoggerMessage(15, LogLevel.Debug, "smux session over KCP conv {Conv} with {Remote} ended ({Reason}); the KCP session is closed.", EventName = "SmuxSessionEnded")]
    public static partial void SmuxSessionEnded(ILogger logger, uint conv, IPEndPoint remote, KcpSmuxCloseReason reason);
    [LoggerMessage(16, LogLevel.Debug, "Connection to {KcpUrl} uses KCP: it answered after {Milliseconds} ms.", EventName = "TransportKcp")]
    public static partial void TransportKcp(ILogger logger, string kcpUrl, long milliseconds);

    [LoggerMessage(17, LogLevel.Information, "KCP to {KcpUrl} did not answer within {HeadStartMs} ms: the connection uses {Transport} to {Fallback} (decided after {Milliseconds} ms); new connections to it use the fallback for {RememberFor} before KCP is tried again.", EventName = "TransportFallback")]
    public static partial void TransportFallback(ILogger logger, string kcpUrl, long headStartMs, string transport, string fallback, long milliseconds, TimeSpan rememberFor);

    [LoggerMessage(18, LogLevel.Debug, "Connection to {KcpUrl} uses {Transport} to {Fallback} without racing KCP: the fallback won a race within the last {RememberFor}.", EventName = "TransportFallbackRemembered")]
    public static partial void TransportFallbackRemembered(ILogger logger, string kcpUrl, string transport, string fallback, TimeSpan rememberFor);

    [LoggerMessage(19, LogLevel.Warning, "The remembered fallback {Fallback} for {KcpUrl} failed ({Error}); racing KCP again.", EventName = "RememberedFallbackFailed")]
    public static partial void RememberedFallbackFailed(ILogger logger, string fallback, string kcpUrl, string error);

    [LoggerMessage(20, LogLevel.Warning, "Neither KCP to {KcpUrl} nor the fallback {Fallback} connected: {Error}", EventName = "TransportRaceFailed")]
    public static partial void TransportRaceFailed(ILogger logger, string kcpUrl, string fallback, string error);

    [LoggerMessage(21, LogLevel.Warning, "KcpFallbackOptions.OnTransportSelected threw; the connection goes on.", EventName = "TransportSelectedCallbackFailed")]
    public static partial void TransportSelectedCallbackFailed(ILogger logger, Exception exception);
}
