using System.Diagnostics.Metrics;
using System.Net;
using Kcp.Transport;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Client side of smux: one KCP session with an smux client session per remote endpoint and settings, shared by every
/// stream opened to it (as kcptun's client shares its session among TCP connections). A session that ended is replaced
/// at the next open; one without streams for <see cref="IdleTimeout"/> is closed, so a pool nobody disposes (an
/// HttpClient handler's) does not keep sessions alive forever with its keep-alives.
/// </summary>
internal sealed class SmuxSessionPool(ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, TimeSpan idleTimeout) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PoolKey, Task<Entry>> _entries = [];
    private bool _disposed;

    /// <summary>How long a session with no stream stays open.</summary>
    public TimeSpan IdleTimeout => idleTimeout;

    /// <summary>Sessions open (or being dialed) now.</summary>
    public int SessionCount
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Opens a stream over the shared session to <paramref name="target"/>, dialing it first if there is none.</summary>
    public async ValueTask<(KcpSmuxStream Stream, Entry Entry)> OpenStreamAsync(IPEndPoint target, KcpOptions options, CancellationToken cancellationToken)
    {
        var key = new PoolKey(target, options);
        for (int attempt = 0; ; attempt++)
        {
            Task<Entry> dialing;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!_entries.TryGetValue(key, out dialing!))
                {
                    // The dial is shared by every caller: one caller's cancellation must not fail it for the others.
                    dialing = DialAsync(key);
                    _entries[key] = dialing;
                }
            }

            Entry entry;
            try
            {
                entry = await dialing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch when (dialing.IsFaulted)
            {
                Remove(key, dialing);
                throw;
            }

            if (entry.TryOpenStream(out KcpSmuxStream? stream))
            {
                return (stream, entry);
            }

            Remove(key, dialing);
            if (attempt > 0)
            {
                throw new KcpSmuxSessionClosedException(entry.Smux.CloseReason, $"the smux session to {target} ended while a stream was being opened.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<Entry>[] entries;
        lock (_lock)
        {
            _disposed = true;
            entries = [.. _entries.Values];
            _entries.Clear();
        }

        foreach (Task<Entry> dialing in entries)
        {
            if (dialing.IsCompletedSuccessfully)
            {
                await dialing.Result.CloseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<Entry> DialAsync(PoolKey key)
    {
        KcpSession session = await KcpClient.ConnectAsync(key.Target, key.Options, loggerFactory, meterFactory).ConfigureAwait(false);
        KcpSmuxSession smux = KcpSmuxSession.Start(session, key.Options.Smux!, loggerFactory, meterFactory);
        var entry = new Entry(this, key, session, smux);
        _ = entry.CloseWhenEndedAsync();
        return entry;
    }

    private void Remove(PoolKey key, Task<Entry> dialing)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out Task<Entry>? current) && current == dialing)
            {
                _entries.Remove(key);
            }
        }
    }

    private void RemoveEntry(PoolKey key, Entry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out Task<Entry>? current) && current.IsCompletedSuccessfully && current.Result == entry)
            {
                _entries.Remove(key);
            }
        }
    }

    /// <summary>Settings are compared by reference: each factory or endpoint keeps its own options object.</summary>
    internal readonly record struct PoolKey(IPEndPoint Target, KcpOptions Options);

    /// <summary>One shared session: the KCP session, its smux session, and how many streams use it.</summary>
    internal sealed class Entry(SmuxSessionPool pool, PoolKey key, KcpSession session, KcpSmuxSession smux)
    {
        private readonly Lock _lock = new();
        private int _streams;
        private long _idleSince = Environment.TickCount64;
        private ITimer? _idleTimer;
        private bool _closing;

        public KcpSession Session => session;

        public KcpSmuxSession Smux => smux;

        public IKcpSessionFeature Feature { get; } = new KcpSessionFeature(session);

        public bool TryOpenStream([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KcpSmuxStream? stream)
        {
            lock (_lock)
            {
                stream = null;
                if (_closing || smux.CloseReason != KcpSmuxCloseReason.None)
                {
                    return false;
                }

                try
                {
                    stream = smux.OpenStream();
                }
                catch (KcpSmuxSessionClosedException)
                {
                    return false;
                }
                catch (InvalidOperationException)
                {
                    // Stream ids used up: this session retires, the next open dials a new one.
                    _closing = true;
                    return false;
                }

                _streams++;
                return true;
            }
        }

        /// <summary>A stream of this session was disposed.</summary>
        public void OnStreamClosed()
        {
            lock (_lock)
            {
                if (--_streams > 0 || _closing)
                {
                    return;
                }

                _idleSince = Environment.TickCount64;
                _idleTimer ??= TimeProvider.System.CreateTimer(static state => ((Entry)state!).CheckIdle(), this, pool.IdleTimeout, pool.IdleTimeout);
            }
        }

        public async Task CloseWhenEndedAsync()
        {
            await smux.Completion.ConfigureAwait(false);
            await CloseAsync().ConfigureAwait(false);
        }

        public async Task CloseAsync()
        {
            lock (_lock)
            {
                _closing = true;
                _idleTimer?.Dispose();
            }

            pool.RemoveEntry(key, this);
            await smux.DisposeAsync().ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
        }

        private void CheckIdle()
        {
            lock (_lock)
            {
                if (_closing || _streams > 0 || Environment.TickCount64 - _idleSince < (long)pool.IdleTimeout.TotalMilliseconds)
                {
                    return;
                }

                _closing = true;
            }

            _ = CloseAsync();
        }
    }
}
