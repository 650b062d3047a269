namespace Kcp.Transport.Tests.Fec;

/// <summary>Seeded random shard sets, so failures reproduce.</summary>
internal static class RandomShards
{
    public static byte[][] Create(Random random, int dataShards, int parityShards, int length)
    {
        var shards = new byte[dataShards + parityShards][];
        for (int i = 0; i < shards.Length; i++)
        {
            shards[i] = new byte[length];
            if (i < dataShards)
            {
                random.NextBytes(shards[i]);
            }
        }

        return shards;
    }

    public static byte[][] Clone(byte[][] shards)
    {
        var copy = new byte[shards.Length][];
        for (int i = 0; i < shards.Length; i++)
        {
            copy[i] = (byte[])shards[i].Clone();
        }

        return copy;
    }

    /// <summary>Every subset of {0..n-1} with exactly <paramref name="size"/> members, as flag arrays marking the members.</summary>
    public static IEnumerable<bool[]> Subsets(int n, int size)
    {
        var chosen = new int[size];
        for (int i = 0; i < size; i++)
        {
            chosen[i] = i;
        }

        while (true)
        {
            var flags = new bool[n];
            foreach (int c in chosen)
            {
                flags[c] = true;
            }

            yield return flags;

            int k = size - 1;
            while (k >= 0 && chosen[k] == n - size + k)
            {
                k--;
            }

            if (k < 0)
            {
                yield break;
            }

            chosen[k]++;
            for (int j = k + 1; j < size; j++)
            {
                chosen[j] = chosen[j - 1] + 1;
            }
        }
    }
}
