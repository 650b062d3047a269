using System.Text.Json;
using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class ReedSolomonTests
{
    public static TheoryData<string> Kernels() => GaloisKernelsTests.SupportedKernels();

    // vectors.md V6: rows of the parity part of klauspost's default encoding matrix.
    [Theory]
    [InlineData(1, 1, 0, "01")]
    [InlineData(2, 1, 0, "03 02")]
    [InlineData(3, 2, 0, "01 01 01")]
    [InlineData(3, 2, 1, "0f 08 06")]
    [InlineData(4, 2, 0, "1b 1c 12 14")]
    [InlineData(4, 2, 1, "1c 1b 14 12")]
    [InlineData(10, 3, 0, "81 96 af b8 d2 c4 fe e8 03 02")]
    [InlineData(10, 3, 1, "96 81 b8 af c4 d2 e8 fe 02 03")]
    [InlineData(10, 3, 2, "bf d6 62 0a 06 6f df b7 05 04")]
    [InlineData(20, 5, 0, "8f ae 5b 70 d0 cd 54 43 39 a3 c9 58 1b bb b3 18 1b 1c 12 14")]
    [InlineData(20, 5, 1, "ae 8f 70 5b cd d0 43 54 a3 39 58 c9 bb 1b 18 b3 1c 1b 14 12")]
    [InlineData(20, 5, 2, "5b 70 8f ae 54 43 d0 cd c9 58 39 a3 b3 18 1b bb 12 14 1b 1c")]
    [InlineData(20, 5, 3, "70 5b ae 8f 43 54 cd d0 58 c9 a3 39 18 b3 bb 1b 14 12 1c 1b")]
    [InlineData(20, 5, 4, "9d ec 59 c2 aa fe b4 0b f0 0b 3e 2f 51 93 75 5c f5 e8 c4 d8")]
    public void GetParityRow_KnownShardCounts_EqualsKlauspostMatrix(int ds, int ps, int row, string hex)
        => Assert.Equal(FecVectors.Hex(hex), new ReedSolomon(ds, ps).GetParityRow(row).ToArray());

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Encode_GoldenShards_EqualsKlauspostParity(string kernelName)
    {
        GaloisKernel kernel = GaloisKernelsTests.Parse(kernelName);
        int cases = 0;
        foreach (JsonElement vector in FecVectors.ReedSolomon)
        {
            int ds = vector.GetProperty("dataShards").GetInt32();
            int ps = vector.GetProperty("parityShards").GetInt32();
            byte[][] data = FecVectors.HexArray(vector.GetProperty("data"));
            byte[][] expectedParity = FecVectors.HexArray(vector.GetProperty("parity"));
            byte[][] shards = [.. data, .. Enumerable.Range(0, ps).Select(_ => new byte[data[0].Length])];

            var codec = new ReedSolomon(ds, ps, kernel);
            codec.Encode(shards);

            for (int i = 0; i < ps; i++)
            {
                Assert.Equal(expectedParity[i], shards[ds + i]);
            }

            Assert.True(codec.Verify(shards));
            cases++;
        }

        Assert.Equal(5, cases);
    }

    [Theory]
    [InlineData(0, 1, "dataShards")]
    [InlineData(1, 0, "parityShards")]
    [InlineData(-3, 2, "dataShards")]
    [InlineData(200, 57, "parityShards")]
    [InlineData(256, 1, "dataShards")]
    public void Ctor_InvalidShardCounts_ThrowsNamingArgument(int ds, int ps, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(ds, ps));
        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void Ctor_256TotalShards_IsAccepted()
    {
        var codec = new ReedSolomon(200, 56);
        Assert.Equal(256, codec.TotalShards);
    }

    [Fact]
    public void Verify_CorruptedParity_ReturnsFalse()
    {
        var codec = new ReedSolomon(10, 3);
        byte[][] shards = RandomShards.Create(new Random(3), 10, 3, 77);
        codec.Encode(shards);
        Assert.True(codec.Verify(shards));
        shards[11][76] ^= 0x40;
        Assert.False(codec.Verify(shards));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ReconstructData_EveryLossPatternUpToParityCount_RestoresData(string kernelName)
    {
        GaloisKernel kernel = GaloisKernelsTests.Parse(kernelName);
        foreach ((int ds, int ps) in new[] { (2, 1), (3, 2), (4, 2), (10, 3) })
        {
            var codec = new ReedSolomon(ds, ps, kernel);
            byte[][] original = RandomShards.Create(new Random(ds * 31 + ps), ds, ps, 101);
            codec.Encode(original);

            for (int lost = 1; lost <= ps; lost++)
            {
                foreach (bool[] missing in RandomShards.Subsets(ds + ps, lost))
                {
                    byte[][] shards = RandomShards.Clone(original);
                    bool[] present = new bool[ds + ps];
                    for (int i = 0; i < present.Length; i++)
                    {
                        present[i] = !missing[i];
                        if (missing[i])
                        {
                            Array.Fill(shards[i], (byte)0xEE); // stale garbage must be overwritten
                        }
                    }

                    Assert.True(codec.ReconstructData(shards, present));
                    for (int d = 0; d < ds; d++)
                    {
                        Assert.Equal(original[d], shards[d]);
                    }
                }
            }
        }
    }

    [Fact]
    public void ReconstructData_MoreLostThanParity_ReturnsFalseAndWritesNothing()
    {
        var codec = new ReedSolomon(3, 2);
        byte[][] shards = RandomShards.Create(new Random(9), 3, 2, 40);
        codec.Encode(shards);
        foreach (bool[] missing in RandomShards.Subsets(5, 3))
        {
            byte[][] copy = RandomShards.Clone(shards);
            bool[] present = missing.Select(m => !m).ToArray();
            for (int i = 0; i < 5; i++)
            {
                if (missing[i])
                {
                    Array.Clear(copy[i]);
                }
            }

            byte[][] before = RandomShards.Clone(copy);
            Assert.False(codec.ReconstructData(copy, present));
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(before[i], copy[i]);
            }
        }
    }

    [Fact]
    public void ReconstructData_MissingParityShardsAreNull_RebuildsOnlyData()
    {
        var codec = new ReedSolomon(4, 2);
        byte[][] original = RandomShards.Create(new Random(11), 4, 2, 33);
        codec.Encode(original);
        byte[][] shards = RandomShards.Clone(original);
        shards[1] = new byte[33];
        shards[5] = null!;

        Assert.True(codec.ReconstructData(shards, [true, false, true, true, true, false]));
        Assert.Equal(original[1], shards[1]);
        Assert.Null(shards[5]);
    }

    [Fact]
    public void ReconstructData_ManyDistinctPatternsBeyondCacheSize_StaysCorrect()
    {
        // 13 choose 3 = 286 patterns cycle the bounded decode-matrix cache many times; each must still decode right.
        var codec = new ReedSolomon(10, 3);
        byte[][] original = RandomShards.Create(new Random(5), 10, 3, 48);
        codec.Encode(original);
        for (int round = 0; round < 2; round++)
        {
            foreach (bool[] missing in RandomShards.Subsets(13, 3))
            {
                byte[][] shards = RandomShards.Clone(original);
                bool[] present = missing.Select(m => !m).ToArray();
                Assert.True(codec.ReconstructData(shards, present, 3, 40));
                for (int d = 0; d < 10; d++)
                {
                    Assert.Equal(original[d], shards[d]);
                }
            }
        }
    }

    [Fact]
    public void Encode_SteadyState_AllocatesNothing()
    {
        var codec = new ReedSolomon(10, 3);
        byte[][] shards = RandomShards.Create(new Random(2), 10, 3, 1500);
        codec.Encode(shards, 6, 1494);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            codec.Encode(shards, 6, 1494);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
