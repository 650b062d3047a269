namespace ChatHubSample.Stats;

/// <summary>One session as the page lists it.</summary>
internal sealed record KcpSessionReport(
    string ConnectionId,
    string Remote,
    uint Conversation,
    int RttMs,
    int RtoMs,
    int InFlight,
    long RetransmittedSegments,
    long FecRecovered,
    long BytesSent,
    long BytesReceived);
