namespace Kcp.AspNetCore.Tests;

/// <summary>Every <see cref="HttpOverKcpTests"/> test with AES + FEC 10/3 through a relay with 10 % loss, jitter and duplicates.</summary>
public sealed class HttpOverLossyKcpTests() : HttpOverKcpTests(KcpTestLink.LossyAesFec);

/// <summary>Every <see cref="ConnectionHandlerTests"/> test with AES + FEC 10/3 through a relay with 10 % loss, jitter and duplicates.</summary>
public sealed class ConnectionHandlerLossyTests() : ConnectionHandlerTests(KcpTestLink.LossyAesFec);
