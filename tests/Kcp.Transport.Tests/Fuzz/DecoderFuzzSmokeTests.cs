using System.Runtime.CompilerServices;
using Kcp.Fuzz;

namespace Kcp.Transport.Tests.Fuzz;

/// <summary>
/// The fuzz target of tests/Kcp.Fuzz, run in CI over its seed corpus and a bounded, seeded campaign of mutations
/// (bit flips, truncations, splices, random bytes). Coverage-guided fuzzing itself runs outside CI (fuzz.sh).
/// </summary>
public sealed class DecoderFuzzSmokeTests
{
    [Fact]
    public void Datagram_SeedCorpus_NoException()
    {
        string[] files = Directory.GetFiles(CorpusFolder());
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            FuzzTargets.Datagram(File.ReadAllBytes(file));
        }
    }

    [Fact]
    public void Datagram_TwentyThousandMutations_NoException()
    {
        byte[][] seeds = [.. Directory.GetFiles(CorpusFolder()).Select(File.ReadAllBytes)];
        var random = new Random(20261124);
        var buffer = new byte[1600];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            int length;
            switch (random.Next(4))
            {
                case 0: // flip bits
                    seed.CopyTo(buffer, 0);
                    length = seed.Length;
                    for (int flips = random.Next(1, 8); flips > 0; flips--)
                    {
                        buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1: // truncate or extend with noise
                    length = random.Next(0, Math.Min(buffer.Length, seed.Length + 64));
                    random.NextBytes(buffer.AsSpan(0, length));
                    seed.AsSpan(0, Math.Min(seed.Length, length)).CopyTo(buffer);
                    break;
                case 2: // splice two seeds
                    byte[] other = seeds[random.Next(seeds.Length)];
                    int cut = random.Next(seed.Length + 1);
                    seed.AsSpan(0, cut).CopyTo(buffer);
                    other.CopyTo(buffer, cut);
                    length = cut + other.Length;
                    break;
                default: // random bytes, with a plausible header now and then
                    length = random.Next(0, buffer.Length);
                    random.NextBytes(buffer.AsSpan(0, length));
                    if (length >= 5 && random.Next(2) == 0)
                    {
                        buffer[4] = (byte)random.Next(81, 85);
                    }

                    break;
            }

            FuzzTargets.Datagram(buffer.AsSpan(0, length));
        }
    }

    private static string CorpusFolder([CallerFilePath] string thisFile = "")
        => Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "Kcp.Fuzz", "corpus");
}
