using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Kcp.AspNetCore.Tests;

/// <summary>The per-endpoint KCP settings reach the wire: AES packet crypto and Reed-Solomon FEC 10/3, as kcptun uses them.</summary>
public sealed class SecureTransportTests
{
    private const string Key = "it's a secrect";

    private static void AesWithFec(KcpOptions options)
    {
        options.Crypt = "aes";
        options.Key = Key;
        options.DataShards = 10;
        options.ParityShards = 3;
        options.LingerTimeout = TimeSpan.FromSeconds(2);
    }

    [Fact]
    public async Task Echo_AesAndFec_HalfAMegabyteComesBackIntactAndParityArrives()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listen => listen.UseConnectionHandler<EchoConnectionHandler>(), configureKcp: AesWithFec, withTcp: false);
        var clientOptions = new KcpOptions();
        AesWithFec(clientOptions);
        await using var client = new KcpConnectionFactory(clientOptions);
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        byte[] payload = RandomNumberGenerator.GetBytes(512 * 1024);

        Task<byte[]> echoed = ReadAllAsync(connection.Transport.Input, payload.Length);
        await connection.Transport.Output.WriteAsync(payload).DefaultTimeout();

        byte[] back = await echoed.DefaultTimeout();
        Assert.True(payload.AsSpan().SequenceEqual(back));
        KcpSessionStatistics server = Assert.Single(host.Factory.GetActiveSessions()).GetStatistics();
        Assert.True(server.Counters.FecParityShards > 0, "The server received no FEC parity shard.");
        Assert.Equal(0, server.Counters.InChecksumErrors);
    }

    [Fact]
    public async Task Http_AesAndFec_GetAndPostSucceed()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            configureKcp: AesWithFec,
            mapApp: app =>
            {
                app.MapGet("/hello", () => "secret hello");
                app.MapPost("/echo", async (HttpContext context) => await context.Request.Body.CopyToAsync(context.Response.Body));
            });
        var clientOptions = new KcpOptions();
        AesWithFec(clientOptions);
        using var client = new HttpClient(KcpHttpHandler.Create(host.KcpEndPoint, clientOptions)) { BaseAddress = new Uri("http://kcp.test/"), Timeout = TestTimeouts.Default };
        byte[] payload = RandomNumberGenerator.GetBytes(256 * 1024);

        string hello = await client.GetStringAsync("hello").DefaultTimeout();
        using HttpResponseMessage response = await client.PostAsync("echo", new ByteArrayContent(payload)).DefaultTimeout();

        Assert.Equal("secret hello", hello);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Connect_WrongKey_ServerCountsChecksumErrorsAndOpensNoSession()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listen => listen.UseConnectionHandler<EchoConnectionHandler>(), configureKcp: AesWithFec, withTcp: false);
        var wrong = new KcpOptions();
        AesWithFec(wrong);
        wrong.Key = "another key";
        await using var client = new KcpConnectionFactory(wrong);
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        KcpListener listener = Assert.Single(host.Factory.Listeners).Listener;

        await connection.Transport.Output.WriteAsync(new byte[] { 1, 2, 3 }).DefaultTimeout();
        using CancellationTokenSource timeout = new(TestTimeouts.Default);
        while (listener.Counters.InChecksumErrors == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(0, listener.SessionCount);
        Assert.Empty(host.Factory.GetActiveSessions());
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader, int count)
    {
        var received = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, count - filled);
            buffer.Slice(0, take).CopyTo(received.AsSpan(filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (result.IsCompleted && filled < count)
            {
                throw new EndOfStreamException($"Only {filled} of {count} bytes arrived.");
            }
        }

        return received;
    }
}
