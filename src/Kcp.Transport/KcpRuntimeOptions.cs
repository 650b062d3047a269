namespace Kcp.Transport;

/// <summary>What a <see cref="KcpRuntime"/> of your own runs on: the memory behind session pipes and the clock.</summary>
public sealed class KcpRuntimeOptions
{
    /// <summary>
    /// The memory behind session pipes (Kestrel's, say; the caller keeps owning it), or null for a pool of pinned 16 KiB
    /// blocks the runtime owns.
    /// </summary>
    public MemoryPool<byte>? MemoryPool { get; set; }

    /// <summary>
    /// The clock every session, timer and admission limit of the runtime reads (<see cref="TimeProvider.System"/> by
    /// default). A fake provider lets tests move time: the runtime's scheduler wakes on the provider's timers.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
