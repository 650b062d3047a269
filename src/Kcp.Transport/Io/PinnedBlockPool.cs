using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kcp.Transport.Io;

/// <summary>
/// The default memory behind a runtime's session pipes: fixed-size pinned blocks kept in one queue (the idea of
/// Kestrel's pinned block pool). ArrayPool.Shared keeps a few arrays per core and drops the rest, and a session's
/// pipes rent on one thread and return on another, so under load it allocates; this pool reuses every block and its
/// owner object, so a steady transfer allocates nothing. Blocks are only held while data waits in a pipe.
/// </summary>
internal sealed class PinnedBlockPool : MemoryPool<byte>
{
    /// <summary>Block size: room for many KCP segments, few pipe segments per megabyte buffered.</summary>
    public const int BlockSize = 16 * 1024;

    private readonly ConcurrentQueue<Block> _blocks = new();

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks currently idle in the pool.</summary>
    public int IdleCount => _blocks.Count;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"At most {BlockSize} bytes.");
        }

        return _blocks.TryDequeue(out Block? block) ? block : new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
        // Blocks still rented come back later; idle ones are left to the GC with the pool.
        _blocks.Clear();
    }

    private sealed unsafe class Block : MemoryManager<byte>
    {
        private readonly PinnedBlockPool _pool;
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public Block(PinnedBlockPool pool) => _pool = pool;

        public override Span<byte> GetSpan() => _array;

        public override Memory<byte> Memory => CreateMemory(BlockSize);

        public override MemoryHandle Pin(int elementIndex = 0)
            => new((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array)) + elementIndex);

        public override void Unpin()
        {
        }

        // IMemoryOwner.Dispose: the pipe is done with the block.
        protected override void Dispose(bool disposing) => _pool._blocks.Enqueue(this);
    }
}
