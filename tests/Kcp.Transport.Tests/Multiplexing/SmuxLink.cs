using System.Buffers;
using System.IO.Pipelines;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>Two smux sessions over an in-memory duplex link (two pipes), with their own meter so counters can be read.</summary>
internal sealed class SmuxLink : IAsyncDisposable
{
    private readonly TestMeterFactory _meters = new();

    public SmuxLink(KcpSmuxOptions clientOptions, KcpSmuxOptions? serverOptions = null, MemoryPool<byte>? pool = null)
    {
        ToServer = new Pipe(new PipeOptions(pool, minimumSegmentSize: 16 * 1024));
        ToClient = new Pipe(new PipeOptions(pool, minimumSegmentSize: 16 * 1024));
        ClientTransport = new DuplexPipe(ToClient.Reader, ToServer.Writer);
        ServerTransport = new DuplexPipe(ToServer.Reader, ToClient.Writer);
        Client = KcpSmuxSession.Start(ClientTransport, clientOptions, isClient: true, "server", meterFactory: _meters, memoryPool: pool);
        Server = KcpSmuxSession.Start(ServerTransport, serverOptions ?? clientOptions, isClient: false, "client", meterFactory: _meters, memoryPool: pool);
    }

    public Pipe ToServer { get; }

    public Pipe ToClient { get; }

    public IDuplexPipe ClientTransport { get; }

    public IDuplexPipe ServerTransport { get; }

    public KcpSmuxSession Client { get; }

    public KcpSmuxSession Server { get; }

    public SmuxCounters Counters => KcpInstruments.For(_meters).Smux;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().AsTask().DefaultTimeout();
        await Server.DisposeAsync().AsTask().DefaultTimeout();
        _meters.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
