using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Kcp.Transport;

namespace Kcp.Benchmarks;

/// <summary>
/// Loopback session throughput, mirroring kcp-go's sess_test.go: EchoSpeed* writes N bytes and reads them back
/// through an echo listener (Salsa20, FEC 10/3); SinkSpeed* writes N bytes to a listener that only reads (no crypto,
/// no FEC). Both sides use stream mode, nodelay (1, 10, 2, 1), MTU 1400, windows 1024 (client) and 4096 (server),
/// as kcp-go's benchmarks do. kcp-go's BenchmarkSinkSpeed256K writes 512 KiB; we keep its name and its size.
/// An invocation runs <see cref="EchoesPerInvocation"/> echoes back to back, as kcp-go's echo_tester loops b.N times in
/// one goroutine: BenchmarkDotNet blocks its own thread on every invocation's Task, a wait and wake-up per invocation
/// that belong to the harness, not the transport. Results are per echo.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class SessionBenchmarks
{
    private KcpListener _echoListener = null!;
    private KcpListener _sinkListener = null!;
    private KcpSession _echo = null!;
    private KcpSession _sink = null!;
    private byte[] _payload = null!;
    private byte[] _readBuffer = null!;
    private readonly List<Task> _servers = [];

    private static KcpOptions Options(int window, bool secure) => new KcpOptions
    {
        Mtu = 1400,
        SendWindow = window,
        ReceiveWindow = window,
        NoDelay = 1,
        Interval = 10,
        FastResend = 2,
        NoCongestionWindow = true,
        StreamMode = true,
        Crypt = secure ? "salsa20" : "null",
        Key = "it's a secrect",
        DataShards = secure ? 10 : 0,
        ParityShards = secure ? 3 : 0,
        MaxReadBufferSize = 4 * 1024 * 1024,
        MaxWriteBufferSize = 4 * 1024 * 1024,
    };

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[1 << 20];
        new Random(1).NextBytes(_payload);
        _readBuffer = new byte[1 << 20];
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        _echoListener = KcpListener.Bind(loopback, Options(4096, secure: true));
        _sinkListener = KcpListener.Bind(loopback, Options(4096, secure: false));
        _servers.Add(ServeAsync(_echoListener, echo: true));
        _servers.Add(ServeAsync(_sinkListener, echo: false));
        _echo = KcpClient.ConnectAsync(_echoListener.LocalEndPoint, Options(1024, secure: true)).AsTask().GetAwaiter().GetResult();
        _sink = KcpClient.ConnectAsync(_sinkListener.LocalEndPoint, Options(1024, secure: false)).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _echo.Abort();
        _sink.Abort();
        _echoListener.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sinkListener.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private const int EchoesPerInvocation = 16;

    [Benchmark(OperationsPerInvoke = EchoesPerInvocation), BytesPerOperation(4096)]
    public Task EchoSpeed4K() => EchoAsync(4096);

    [Benchmark(OperationsPerInvoke = EchoesPerInvocation), BytesPerOperation(65536)]
    public Task EchoSpeed64K() => EchoAsync(65536);

    [Benchmark(OperationsPerInvoke = EchoesPerInvocation), BytesPerOperation(524288)]
    public Task EchoSpeed512K() => EchoAsync(524288);

    [Benchmark(OperationsPerInvoke = EchoesPerInvocation), BytesPerOperation(1048576)]
    public Task EchoSpeed1M() => EchoAsync(1048576);

    [Benchmark, BytesPerOperation(4096)]
    public ValueTask<FlushResult> SinkSpeed4K() => _sink.Output.WriteAsync(_payload.AsMemory(0, 4096));

    [Benchmark, BytesPerOperation(65536)]
    public ValueTask<FlushResult> SinkSpeed64K() => _sink.Output.WriteAsync(_payload.AsMemory(0, 65536));

    [Benchmark, BytesPerOperation(524288)]
    public ValueTask<FlushResult> SinkSpeed256K() => _sink.Output.WriteAsync(_payload.AsMemory(0, 524288));

    [Benchmark, BytesPerOperation(1048576)]
    public ValueTask<FlushResult> SinkSpeed1M() => _sink.Output.WriteAsync(_payload.AsMemory(0, 1048576));

    private async Task EchoAsync(int bytes)
    {
        for (int echo = 0; echo < EchoesPerInvocation; echo++)
        {
            await _echo.Output.WriteAsync(_payload.AsMemory(0, bytes));
            int received = 0;
            while (received < bytes)
            {
                ReadResult result = await _echo.Input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                long n = Math.Min(buffer.Length, bytes - received);
                buffer.Slice(0, n).CopyTo(_readBuffer.AsSpan(received));
                received += (int)n;
                _echo.Input.AdvanceTo(buffer.GetPosition(n));
            }
        }
    }

    private static async Task ServeAsync(KcpListener listener, bool echo)
    {
        while (await listener.AcceptAsync() is { } session)
        {
            _ = echo ? session.Input.CopyToAsync(session.Output) : DiscardAsync(session.Input);
        }
    }

    private static async Task DiscardAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn());
    }
}
