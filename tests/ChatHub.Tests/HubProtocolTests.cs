using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using ChatHub.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace ChatHub.Tests;

/// <summary>Both hub protocols the sample registers, JSON and MessagePack, carry the chat over KCP.</summary>
public sealed class HubProtocolTests(ChatServerFactory server) : IClassFixture<ChatServerFactory>
{
    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task Send_OverKcpWithProtocol_BothKcpClientsAndTheWebSocketClientReceiveIt(string protocol)
    {
        // Arrange
        CountingHubProtocol? sent = null, received = null;
        await using HubConnection sender = server.CreateKcpConnection(builder => sent = UseProtocol(builder, protocol));
        await using HubConnection receiver = server.CreateKcpConnection(builder => received = UseProtocol(builder, protocol));
        await using HubConnection page = server.CreateWebSocketConnection();
        var receiverInbox = new ChatInbox(receiver);
        var pageInbox = new ChatInbox(page);
        await Task.WhenAll(sender.StartAsync(), receiver.StartAsync(), page.StartAsync()).WithTimeout();
        string text = $"über {protocol}: \u2713 {new string('x', 3000)}";

        // Act
        await sender.InvokeAsync("Send", "alice", text).WithTimeout();

        // Assert
        ChatEvent atReceiver = await receiverInbox.WaitForMessageAsync(text);
        ChatEvent atPage = await pageInbox.WaitForMessageAsync(text);
        Assert.Equal(protocol, sent!.Name);
        Assert.True(sent.Written > 0, "The sender wrote nothing with the chosen protocol.");
        Assert.True(received!.Parsed > 0, "The receiver parsed nothing with the chosen protocol.");
        Assert.Equal(("alice", "kcp"), (atReceiver.User, atReceiver.Transport));
        Assert.Equal(("alice", "kcp"), (atPage.User, atPage.Transport));
    }

    private static CountingHubProtocol UseProtocol(IHubConnectionBuilder builder, string protocol)
    {
        IHubProtocol inner = protocol == "messagepack" ? new MessagePackHubProtocol() : new JsonHubProtocol();
        var counting = new CountingHubProtocol(inner);

        // The client uses the last registered IHubProtocol.
        builder.Services.AddSingleton<IHubProtocol>(counting);
        return counting;
    }

    /// <summary>Delegates to a real protocol and counts the messages it wrote and parsed: proof of what went on the wire.</summary>
    private sealed class CountingHubProtocol(IHubProtocol inner) : IHubProtocol
    {
        private int _written;
        private int _parsed;

        public int Written => Volatile.Read(ref _written);

        public int Parsed => Volatile.Read(ref _parsed);

        public string Name => inner.Name;

        public int Version => inner.Version;

        public TransferFormat TransferFormat => inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            bool parsed = inner.TryParseMessage(ref input, binder, out message);
            if (parsed)
            {
                Interlocked.Increment(ref _parsed);
            }

            return parsed;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
        {
            Interlocked.Increment(ref _written);
            inner.WriteMessage(message, output);
        }

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
        {
            Interlocked.Increment(ref _written);
            return inner.GetMessageBytes(message);
        }

        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
    }
}
