using System.Net;
using ChatHubSample.Client;

namespace ChatHub.Tests.Sample;

public sealed class ChatClientArgumentsTests
{
    [Fact]
    public void TryParse_NameServerBots_AllRead()
    {
        // Act
        bool ok = ChatClientArguments.TryParse(["--name", "alice", "--server", "127.0.0.1:7000", "--bots", "5", "--interval", "250"], out var parsed, out string? error);

        // Assert
        Assert.True(ok, error);
        Assert.Equal("alice", parsed.Name);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), parsed.Server);
        Assert.Equal(5, parsed.Bots);
        Assert.Equal(250, parsed.IntervalMs);
    }

    [Fact]
    public void TryParse_NoArguments_InteractiveWithConfiguredServer()
    {
        // Act
        bool ok = ChatClientArguments.TryParse([], out var parsed, out _);

        // Assert
        Assert.True(ok);
        Assert.Null(parsed.Server);
        Assert.Equal(0, parsed.Bots);
    }

    [Theory]
    [InlineData("--server", "localhost")]
    [InlineData("--server", "127.0.0.1")]
    [InlineData("--bots", "0")]
    [InlineData("--interval", "1")]
    [InlineData("--colour", "blue")]
    public void TryParse_BadValue_FailsNamingTheOption(string option, string value)
    {
        // Act
        bool ok = ChatClientArguments.TryParse([option, value], out _, out string? error);

        // Assert
        Assert.False(ok);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MissingValue_Fails()
    {
        Assert.False(ChatClientArguments.TryParse(["--name"], out _, out string? error));
        Assert.Contains("--name", error, StringComparison.Ordinal);
    }
}
