using Kcp.Packaging.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Kcp.Packaging.Tests;

/// <summary>
/// Issue 21 item 5: an app with UseKcp(), Kcp:Endpoints from configuration and a minimal API publishes with Native AOT
/// without trim or AOT warnings from our assemblies, serves over KCP as a native binary, and fails to start with the
/// key's name when a setting is bad (the configuration binder's source generator, no reflection).
/// </summary>
public sealed class NativeAotTests(NativeAotPublish publish, ITestOutputHelper output) : IClassFixture<NativeAotPublish>
{
    [Fact]
    public void Publish_AotApp_NoTrimOrAotWarningFromOurAssemblies()
    {
        publish.AssertPublished();
        IReadOnlyList<string> warnings = publish.TrimAndAotWarnings;
        long size = new FileInfo(publish.Binary).Length;
        output.WriteLine($"Native AOT publish: {publish.Elapsed.TotalSeconds:F0} s, binary {size / 1e6:F1} MB, {warnings.Count} trim/AOT warnings.");
        foreach (string warning in warnings)
        {
            output.WriteLine(warning);
        }

        // Ours: Kcp.Transport, Kcp.AspNetCore (whose extension classes live in Microsoft.* namespaces but all carry
        // "Kcp" in their names) and the app itself. Others' warnings are printed above, not ours to fix.
        Assert.DoesNotContain(warnings, w => w.Contains("Kcp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NativeBinary_ConfiguredEndpoint_ServesMinimalApiOverKcp()
    {
        publish.AssertPublished();
        await using var app = KcpApp.Start(publish.Binary, [], publish.Directory);

        (var endPoint, TimeSpan startup) = await app.WaitUntilListeningAsync();
        string hello = await app.AskAsync(endPoint);

        output.WriteLine($"Native AOT start-up to 'kcp listening': {startup.TotalMilliseconds:F0} ms");
        // "dynamic code False": the answer comes from the native binary, not from a JIT-compiled app.
        Assert.Matches(@"^hello over KCP, conv \d+, dynamic code False$", hello);
    }

    [Theory]
    [InlineData("Kcp__Endpoints__Api__Mtu", "99999", "Kcp:Endpoints:Api:Mtu must be between 50 and 1500 (was 99999).")]
    [InlineData("Kcp__Endpoints__Api__Mtux", "1400", "Kcp:Endpoints:Api:Mtux is not a KCP setting")]
    [InlineData("Kcp__Mtu", "99999", "Kcp:Mtu is not a setting of the KCP transport")]
    public async Task NativeBinary_BadSetting_FailsStartupNamingTheKey(string variable, string value, string message)
    {
        publish.AssertPublished();
        await using var app = KcpApp.Start(publish.Binary, [], publish.Directory, new Dictionary<string, string> { [variable] = value });

        (int exitCode, string text) = await app.WaitForExitAsync();

        Assert.True(exitCode != 0, $"The app started with {variable}={value}:\n{text}");
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.DoesNotContain("kcp listening on", text, StringComparison.Ordinal);
    }
}
