namespace Kcp.Benchmarks;

/// <summary>Bytes one invocation processes, so <see cref="ThroughputColumn"/> can report MB/s like Go's <c>b.SetBytes</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BytesPerOperationAttribute(int bytes) : Attribute
{
    /// <summary>Bytes per operation.</summary>
    public int Bytes { get; } = bytes;
}
