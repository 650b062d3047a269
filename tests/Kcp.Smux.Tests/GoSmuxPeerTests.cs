using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Kcp.Transport.Tests.Support;

namespace Kcp.Smux.Tests;

/// <summary>
/// xtaci/smux itself (v2 and v1, with golang/snappy as kcptun wires it), built from Debian's sources into
/// tests/SmuxPeer: it dials our Kestrel endpoint whose connection handler echoes, and it serves echo streams to our
/// client (<see cref="KcpConnectionFactory"/> with smux).
/// </summary>
public sealed class GoSmuxPeerTests
{
    [Theory]
    [InlineData(2, true)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    public async Task GoSmuxClient_FiftyStreams_EchoedByAConnectionHandler(int version, bool compress)
    {
        await using WebApplication app = await StartEchoServerAsync(version, compress);
        IPEndPoint endPoint = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0].IPEndPoint;
        await using PeerProcess peer = PeerProcess.Start(Peers.SmuxPeerBinary(),
            ["dial", endPoint.ToString(), "-smuxver", version.ToString(), "-key", Peers.Key, "-streams", "50", "-bytes", "262144", "-streambuf", "65536", .. compress ? Array.Empty<string>() : ["-nocomp"]],
            Peers.SmuxPeerHint);
        string line = await peer.WaitForLineAsync(l => l.StartsWith("{\"bytes\"", StringComparison.Ordinal), Peers.Wait);
        using var result = JsonDocument.Parse(line);
        Assert.True(result.RootElement.GetProperty("ok").GetBoolean(), peer.Describe());
        Console.WriteLine($"smux-peer v{version} compress={compress} -> Kestrel echo: 50 x 256 KiB both ways, {result.RootElement.GetProperty("mbps").GetDouble():0.0} Mbit/s");
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(2, false)]
    public async Task OurSmuxClient_StreamsEchoedByGoSmuxServer(int version, bool compress)
    {
        await using PeerProcess peer = PeerProcess.Start(Peers.SmuxPeerBinary(),
            ["listen", "127.0.0.1:0", "-smuxver", version.ToString(), "-key", Peers.Key, .. compress ? Array.Empty<string>() : ["-nocomp"]],
            Peers.SmuxPeerHint);
        string listening = await peer.WaitForLineAsync(l => l.Contains("\"listening\"", StringComparison.Ordinal), Peers.Wait);
        IPEndPoint target = IPEndPoint.Parse(JsonDocument.Parse(listening).RootElement.GetProperty("addr").GetString()!);

        await using var factory = new KcpConnectionFactory(ClientOptions(version, compress));
        var transfers = Enumerable.Range(0, 8).Select(async i =>
        {
            ConnectionContext connection = await factory.ConnectAsync(target);
            await using (connection)
            {
                byte[] data = Peers.Data(1024 * 1024, seed: i);
                Task write = PipeTransfer.WriteAllAsync(connection.Transport.Output, data, chunk: 16384);
                byte[] echoed = await PipeTransfer.ReadExactlyAsync(connection.Transport.Input, data.Length);
                await write;
                Assert.Equal(Peers.Sha256(data), Peers.Sha256(echoed));
                return connection.Features.Get<IKcpSessionFeature>()!.Conversation;
            }
        }).ToArray();
        uint[] conversations = await Task.WhenAll(transfers).WaitAsync(Peers.Wait);
        Assert.Single(conversations.Distinct());
    }

    internal static KcpOptions ClientOptions(int version, bool compress)
    {
        var options = new KcpOptions { Crypt = "aes", Key = Peers.Key, DataShards = 10, ParityShards = 3, Mtu = 1350, SendWindow = 512, ReceiveWindow = 512 }
            .ApplyPreset(KcpPreset.Fast);
        options.Smux = new KcpSmuxOptions { Version = version, Compression = compress ? KcpSmuxCompression.Snappy : KcpSmuxCompression.None };
        return options;
    }

    private static async Task<WebApplication> StartEchoServerAsync(int version, bool compress)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, 0, kcp =>
        {
            KcpOptions options = ClientOptions(version, compress);
            kcp.Crypt = options.Crypt;
            kcp.Key = options.Key;
            kcp.DataShards = 10;
            kcp.ParityShards = 3;
            kcp.Mtu = 1350;
            kcp.SendWindow = 512;
            kcp.ReceiveWindow = 512;
            kcp.Smux = options.Smux;
        }, listen => listen.Run(async connection =>
        {
            // Echo until the peer's FIN, then FIN back.
            PipeReader input = connection.Transport.Input;
            PipeWriter output = connection.Transport.Output;
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await output.WriteAsync(segment);
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        })));
        WebApplication app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
