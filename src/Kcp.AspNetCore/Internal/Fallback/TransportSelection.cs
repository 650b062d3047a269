using System.Net;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>The <see cref="IKcpTransportSelectionFeature"/> of one connection: pending until its race decides.</summary>
internal sealed class TransportSelection(EndPoint kcpEndPoint) : IKcpTransportSelectionFeature
{
    /// <summary>The transport name of a KCP connection.</summary>
    public const string Kcp = "kcp";

    private readonly TaskCompletionSource _selected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _transport;

    public EndPoint KcpEndPoint { get; } = kcpEndPoint;

    public string? Transport => _transport;

    public bool IsFallback => _transport is { } transport && transport != Kcp;

    public bool IsRemembered { get; private set; }

    public TimeSpan DecisionTime { get; private set; }

    public Task Selected => _selected.Task;

    /// <summary>Records the decision (once).</summary>
    public void Decide(string transport, bool remembered, TimeSpan decisionTime)
    {
        IsRemembered = remembered;
        DecisionTime = decisionTime;
        _transport = transport;
        _selected.TrySetResult();
    }

    /// <summary>Neither transport connected, or the connection was disposed first.</summary>
    public void Fail(Exception error)
    {
        if (_selected.TrySetException(error))
        {
            // Observed here: nobody needs to await Selected.
            _ = _selected.Task.Exception;
        }
    }
}
