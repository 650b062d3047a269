using Kcp.Transport;

namespace ChatHubSample.Stats;

/// <summary>One open KCP session's identity and statistics at one moment.</summary>
internal sealed record KcpSessionSnapshot(string ConnectionId, string Remote, uint Conversation, KcpSessionStatistics Statistics);
