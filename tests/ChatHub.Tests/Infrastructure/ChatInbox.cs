using System.Threading.Channels;
using ChatHubSample;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHub.Tests.Infrastructure;

/// <summary>One received chat event: a broadcast (Group null) or a group message.</summary>
internal sealed record ChatEvent(string? Group, string User, string Message, string Transport);

/// <summary>Collects what one hub connection receives so a test can wait for a given message.</summary>
internal sealed class ChatInbox
{
    private readonly Channel<ChatEvent> _events = Channel.CreateUnbounded<ChatEvent>();

    public ChatInbox(HubConnection connection)
    {
        connection.On<string, string, string>(ChatHubSample.ChatHub.ReceiveMessage,
            (user, message, transport) => _events.Writer.TryWrite(new ChatEvent(null, user, message, transport)));
        connection.On<string, string, string, string>(ChatHubSample.ChatHub.ReceiveGroupMessage,
            (group, user, message, transport) => _events.Writer.TryWrite(new ChatEvent(group, user, message, transport)));
    }

    /// <summary>Everything received so far, in order, that a wait has not consumed.</summary>
    public List<ChatEvent> Seen { get; } = [];

    /// <summary>Waits (bounded) until an event matching <paramref name="match"/> arrives; events before it stay in <see cref="Seen"/>.</summary>
    public async Task<ChatEvent> WaitForAsync(Func<ChatEvent, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        while (true)
        {
            ChatEvent next = await _events.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
            if (match(next))
            {
                return next;
            }

            Seen.Add(next);
        }
    }

    /// <summary>Waits for the broadcast with this exact text.</summary>
    public Task<ChatEvent> WaitForMessageAsync(string message) => WaitForAsync(e => e.Group is null && e.Message == message);
}
