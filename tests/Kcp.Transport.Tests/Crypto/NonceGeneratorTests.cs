using System.Buffers.Binary;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class NonceGeneratorTests
{
    [Fact]
    public void Fill_MillionDrawsOnFourThreads_NeverRepeats()
    {
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
                Span<byte> nonce = stackalloc byte[16];
                for (int i = 0; i < PerThread; i++)
                {
                    NonceGenerator.Fill(nonce);
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
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        NonceGenerator.Fill(a);
        NonceGenerator.Fill(b);
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
        Span<byte> nonce = stackalloc byte[16];
        NonceGenerator.Fill(nonce);
        long before = GC.GetAllocatedBytesForCurrentThread();

        for (int i = 0; i < 10_000; i++)
        {
            NonceGenerator.Fill(nonce);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    public void Fill_WrongLength_Throws(int length) =>
        Assert.Throws<ArgumentException>(() => NonceGenerator.Fill(new byte[length]));
}
