using System.Runtime.Intrinsics.X86;
using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class GaloisKernelsTests
{
    // Kernel names rather than the internal enum: xunit theory methods are public.
    public static TheoryData<string> VectorKernels()
    {
        var data = new TheoryData<string>();
        foreach (GaloisKernel kernel in Enum.GetValues<GaloisKernel>())
        {
            if (kernel != GaloisKernel.Scalar && GaloisKernels.IsSupported(kernel))
            {
                data.Add(kernel.ToString());
            }
        }

        return data;
    }

    public static TheoryData<string> SupportedKernels()
    {
        var data = VectorKernels();
        data.Add(nameof(GaloisKernel.Scalar));
        return data;
    }

    internal static GaloisKernel Parse(string name) => Enum.Parse<GaloisKernel>(name);

    [Fact]
    public void IsSupported_MatchesHardware()
    {
        Assert.True(GaloisKernels.IsSupported(GaloisKernel.Scalar));
        Assert.Equal(Avx2.IsSupported, GaloisKernels.IsSupported(GaloisKernel.Avx2));
        Assert.Equal(Gfni.V256.IsSupported, GaloisKernels.IsSupported(GaloisKernel.Gfni));
    }

    [Fact]
    public void Best_PrefersGfniThenAvx2()
    {
        GaloisKernel expected = Gfni.V256.IsSupported ? GaloisKernel.Gfni
            : Avx2.IsSupported ? GaloisKernel.Avx2
            : GaloisKernel.Scalar;
        Assert.Equal(expected, GaloisKernels.Best);
    }

    [Theory]
    [MemberData(nameof(VectorKernels))]
    public void Combine_RandomDataOddLengths_EqualsScalar(string kernelName)
    {
        GaloisKernel kernel = Parse(kernelName);
        var random = new Random(1234);
        int[] lengths = [0, 1, 7, 31, 32, 33, 63, 65, 97, 1001, 1471];
        foreach (int length in lengths)
        {
            foreach (int inputCount in (int[])[1, 2, 3, 10, 20])
            {
                int offset = random.Next(0, 9);
                byte[][] inputs = new byte[inputCount][];
                for (int j = 0; j < inputCount; j++)
                {
                    inputs[j] = new byte[offset + length + random.Next(0, 3)];
                    random.NextBytes(inputs[j]);
                }

                byte[] coefficients = new byte[inputCount];
                random.NextBytes(coefficients);
                coefficients[0] = (byte)(length % 3); // include 0, 1 and 2, the special-looking coefficients

                byte[] expected = new byte[offset + length + 5];
                byte[] actual = new byte[offset + length + 5];
                random.NextBytes(expected);
                expected.CopyTo(actual, 0);

                GaloisKernels.Combine(GaloisKernel.Scalar, coefficients, inputs, expected, offset, length);
                GaloisKernels.Combine(kernel, coefficients, inputs, actual, offset, length);

                Assert.Equal(expected, actual); // also proves bytes outside the range are untouched
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorKernels))]
    public void Combine_OutputIsTheFirstInput_EqualsCombiningACopy(string kernelName)
    {
        // The tail of a range is normally redone as an overlapping whole vector; in place, the overlap would read bytes
        // already overwritten, so the kernel must not take that path.
        GaloisKernel kernel = Parse(kernelName);
        var random = new Random(99);
        foreach (int length in (int[])[33, 63, 1001, 1471])
        {
            byte[] first = new byte[length];
            byte[] second = new byte[length];
            random.NextBytes(first);
            random.NextBytes(second);
            byte[] coefficients = [3, 7];

            byte[] expected = new byte[length];
            GaloisKernels.Combine(GaloisKernel.Scalar, coefficients, [(byte[])first.Clone(), second], expected, 0, length);
            GaloisKernels.Combine(kernel, coefficients, [first, second], first, 0, length);

            Assert.Equal(expected, first);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedKernels))]
    public void Combine_EveryCoefficientOnEveryByte_EqualsFieldMul(string kernelName)
    {
        GaloisKernel kernel = Parse(kernelName);
        byte[] input = new byte[256];
        for (int x = 0; x < 256; x++)
        {
            input[x] = (byte)x;
        }

        byte[] output = new byte[256];
        for (int c = 0; c < 256; c++)
        {
            GaloisKernels.Combine(kernel, [(byte)c], [input], output, 0, 256);
            for (int x = 0; x < 256; x++)
            {
                Assert.Equal(GaloisField.Mul((byte)c, (byte)x), output[x]);
            }
        }
    }

    [Fact]
    public void Combine_InputShorterThanRange_Throws()
        => Assert.Throws<ArgumentException>(
            () => GaloisKernels.Combine(GaloisKernels.Best, [1, 2], [new byte[64], new byte[40]], new byte[64], 0, 64));

    [Fact]
    public void Combine_CoefficientCountDiffers_Throws()
        => Assert.Throws<ArgumentException>(
            () => GaloisKernels.Combine(GaloisKernel.Scalar, [1], [new byte[4], new byte[4]], new byte[4], 0, 4));
}
