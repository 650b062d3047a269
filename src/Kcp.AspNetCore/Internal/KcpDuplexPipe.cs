using System.IO.Pipelines;

namespace Kcp.AspNetCore.Internal;

/// <summary>The pair of pipes a connection exposes as its <c>Transport</c>.</summary>
internal sealed class KcpDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
