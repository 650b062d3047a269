using System.Buffers.Binary;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class NonceGeneratorTests
{
    [Fact]
    public void Fill_MillionDrawsOnFourThreadsOfOneKey_NeverRepeats()
    {
        // One sequence per thread, as one per session: each crosses about 60 range refills, interleaved with the others.
        using var generator = new NonceGenerator();
        const int Threads = 4;
        const int PerThread = 250_000;
        var results = new UInt128[Threads][];
        var workers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                var mine = new UInt128[PerThread];
                var sequence = new NonceSequence(generator);
                Span<byte> nonce = stackalloc byte[16];
                for (int i = 0; i < PerThread; i++)
                {
                    sequence.Fill(nonce);
                    mine[i] = BinaryPrimitives.ReadUInt128LittleEndian(nonce);
                }

                results[index] = mine;
            });
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)), "worker hung");
        }

        var seen = new HashSet<UInt128>(Threads * PerThread);
        foreach (UInt128[] mine in results)
        {
            foreach (UInt128 value in mine)
            {
                Assert.True(seen.Add(value), "nonce repeated");
            }
        }

        Assert.Equal(Threads * PerThread, seen.Count);
    }

    [Fact]
    public void Fill_Output_LooksRandomNotSequential()
    {
        // A raw counter would leave most bytes equal between consecutive draws; encrypted draws differ almost everywhere.
        using var generator = new NonceGenerator();
        var sequence = new NonceSequence(generator);
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        sequence.Fill(a);
        sequence.Fill(b);
        int equalBytes = 0;
        for (int i = 0; i < 16; i++)
        {
            equalBytes += a[i] == b[i] ? 1 : 0;
        }

        Assert.True(equalBytes < 8, $"{equalBytes} equal bytes");
    }

    [Fact]
    public void Fill_AfterWarmUp_AllocatesNothing()
    {
        using var generator = new NonceGenerator();
        var sequence = new NonceSequence(generator);
        Span<byte> nonce = stackalloc byte[16];
        sequence.Fill(nonce);
        long before = GC.GetAllocatedBytesForCurrentThread();

        for (int i = 0; i < 10_000; i++)   // two range refills on the way
        {
            sequence.Fill(nonce);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    public void Fill_WrongLength_Throws(int length)
    {
        using var generator = new NonceGenerator();

        Assert.Throws<ArgumentException>(() => new NonceSequence(generator).Fill(new byte[length]));
    }

    [Fact]
    public void ReserveRange_ConsecutiveCalls_NeverOverlap()
    {
        using var generator = new NonceGenerator();

        ulong first = generator.ReserveRange();
        ulong second = generator.ReserveRange();

        Assert.Equal(first + NonceGenerator.RangeSize, second);
    }

    [Fact]
    public void Write_SameCounterUnderTwoKeys_Differs()
    {
        // Each key (listener, client) has its own generator: same counter, independent AES key and salt.
        using var one = new NonceGenerator();
        using var two = new NonceGenerator();
        byte[] a = new byte[16];
        byte[] b = new byte[16];

        one.Write(0, a);
        two.Write(0, b);

        Assert.NotEqual(a, b);
    }
}
