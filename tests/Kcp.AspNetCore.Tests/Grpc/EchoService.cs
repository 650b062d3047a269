using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Kcp.AspNetCore.Tests.Grpc;

/// <summary>The test service: every reply carries the HTTP protocol and the connection it was served on.</summary>
public sealed class EchoService : Echo.EchoBase
{
    public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        => Task.FromResult(Reply(context, request.Text, 0, request.Payload));

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        for (int i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(Reply(context, $"{request.Text} {i}", i, request.Payload));
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        int count = 0;
        long bytes = 0;
        var texts = new List<string>();
        await foreach (EchoRequest request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            count++;
            bytes += request.Payload.Length;
            texts.Add(request.Text);
        }

        EchoReply reply = Reply(context, string.Join(",", texts), count, Google.Protobuf.ByteString.Empty);
        reply.Text += $" ({bytes} bytes)";
        return reply;
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        int index = 0;
        await foreach (EchoRequest request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(Reply(context, request.Text.ToUpperInvariant(), index++, request.Payload));
        }
    }

    private static EchoReply Reply(ServerCallContext context, string text, int index, Google.Protobuf.ByteString payload)
    {
        HttpContext http = context.GetHttpContext();
        return new EchoReply { Text = text, Index = index, Payload = payload, Protocol = http.Request.Protocol, Connection = http.Connection.Id };
    }
}
