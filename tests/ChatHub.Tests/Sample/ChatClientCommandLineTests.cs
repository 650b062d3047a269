using System.Net;
using ChatHubSample.Client;

namespace ChatHub.Tests.Sample;

/// <summary>The client mode's command line (System.CommandLine): values read, problems named, help printed.</summary>
public sealed class ChatClientCommandLineTests
{
    [Fact]
    public void Parse_EveryOption_IsRead()
    {
        // Act
        ChatClientArguments? parsed = Parse(out int exitCode, out string errors,
            "--name", "alice", "--server", "127.0.0.1:7000", "--fallback", "http://127.0.0.1:5080", "--bots", "5", "--interval", "250");

        // Assert: the fallback is the server's web address; the hub is at /chat there.
        Assert.True(parsed is not null, errors);
        Assert.Equal(0, exitCode);
        Assert.Equal("alice", parsed.Name);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), parsed.Server);
        Assert.Equal(new Uri("http://127.0.0.1:5080/chat"), parsed.Fallback);
        Assert.Equal((5, 250), (parsed.Bots, parsed.IntervalMs));
    }

    [Fact]
    public void Parse_NoArguments_InteractiveOverKcpOnly_WithTheConfiguredServer()
    {
        ChatClientArguments? parsed = Parse(out _, out _);

        Assert.NotNull(parsed);
        Assert.Null(parsed.Server);
        Assert.Null(parsed.Fallback);
        Assert.Equal((0, 0, 1000), (parsed.Bots, parsed.Pings, parsed.IntervalMs));
    }

    [Fact]
    public void Parse_FallbackWithAPath_IsTakenAsTheHubUrl()
    {
        Assert.Equal(new Uri("http://chat.example:8080/hubs/chat"), Parse(out _, out _, "--fallback", "http://chat.example:8080/hubs/chat")?.Fallback);
    }

    [Theory]
    [InlineData("--server", "localhost", "--server expects address:port")]
    [InlineData("--server", "127.0.0.1", "--server expects address:port")]
    [InlineData("--fallback", "127.0.0.1:5080", "--fallback expects the server's web address")]
    [InlineData("--fallback", "ftp://127.0.0.1/", "--fallback expects the server's web address")]
    [InlineData("--bots", "0", "--bots must be at least 1 (was 0).")]
    [InlineData("--interval", "1", "--interval must be at least 10 (was 1).")]
    [InlineData("--colour", "blue", "'--colour'")]
    public void Parse_BadValue_ExitsWithTwoNamingTheOption(string option, string value, string expected)
    {
        ChatClientArguments? parsed = Parse(out int exitCode, out string errors, option, value);

        Assert.Null(parsed);
        Assert.Equal(ChatClientCommandLine.UsageErrorExitCode, exitCode);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.StartsWith("ChatHub client: ", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bench needs --bots N", "--bench", "5")]
    [InlineData("--ping times one connection: leave out --bots.", "--ping", "5", "--bots", "2")]
    [InlineData("Required argument missing for option: '--name'.", "--name")]
    public void Parse_InconsistentOptions_AreNamed(string expected, params string[] args)
    {
        Assert.Null(Parse(out int exitCode, out string errors, args));
        Assert.Equal(ChatClientCommandLine.UsageErrorExitCode, exitCode);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Help_PrintsEveryOptionAndExitsWithZero()
    {
        var output = new StringWriter();

        ChatClientArguments? parsed = ChatClientCommandLine.Parse(["--help"], output, new StringWriter(), out int exitCode);

        Assert.Null(parsed);
        Assert.Equal(0, exitCode);
        foreach (string option in new[] { "--name", "--server", "--fallback", "--bots", "--interval", "--bench", "--ping" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }

    private static ChatClientArguments? Parse(out int exitCode, out string errors, params string[] args)
    {
        var error = new StringWriter();
        ChatClientArguments? parsed = ChatClientCommandLine.Parse(args, new StringWriter(), error, out exitCode);
        errors = error.ToString();
        return parsed;
    }
}
