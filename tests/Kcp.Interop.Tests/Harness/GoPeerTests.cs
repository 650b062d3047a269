namespace Kcp.Interop.Tests.Harness;

public sealed class GoPeerTests
{
    [Fact]
    public void LocateBinary_SolutionWithoutBinary_ThrowsNamingBuildScript()
    {
        string root = Directory.CreateTempSubdirectory("kcp-interop-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "Kcp.AspNetCore.sln"), string.Empty);
            string nested = Directory.CreateDirectory(Path.Combine(root, "tests", "bin")).FullName;

            var error = Assert.Throws<InvalidOperationException>(() => GoPeer.LocateBinary(nested));

            Assert.Contains("tests/GoPeer/build.sh", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void LocateBinary_FromTestOutput_FindsBuiltPeer()
    {
        string binary = GoPeer.LocateBinary(AppContext.BaseDirectory);

        Assert.True(File.Exists(binary), binary);
    }

    [Fact]
    public async Task Start_BadFlag_ExitsNonZeroWithUsage()
    {
        await using var peer = GoPeer.Start(["dial", "127.0.0.1:9", "--no-such-flag", "1"]);

        int exit = await peer.WaitForExitAsync(GoPeer.DefaultWait);

        Assert.NotEqual(0, exit);
        Assert.Contains("unknown flag --no-such-flag", peer.Describe(), StringComparison.Ordinal);
    }
}
