using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Kcp.Transport;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// <c>kcp.client.connections</c> on the <c>Kcp.Transport</c> meter: connections of clients with a TCP fallback, by
/// the transport that carries them (<c>kcp.transport</c>: <c>kcp</c> or <c>tcp</c>) and how it was chosen
/// (<c>kcp.selection</c>: <c>race</c>, or <c>remembered</c> when a fallback that won earlier was used without racing).
/// </summary>
internal static class FallbackInstruments
{
    public const string ConnectionsName = "kcp.client.connections";

    // As Kcp.Transport's instruments: one per meter factory (the same meter as the transport's), else a static meter.
    private static readonly ConditionalWeakTable<IMeterFactory, Counter<long>> s_byFactory = new();
    private static readonly Lazy<Counter<long>> s_shared = new(() => Create(new Meter(KcpMetrics.MeterName, Version)));

    private static string? Version => typeof(KcpMetrics).Assembly.GetName().Version?.ToString();

    /// <summary>The counter of <paramref name="meterFactory"/>'s meter, or of the static meter.</summary>
    public static Counter<long> Connections(IMeterFactory? meterFactory) => meterFactory is null
        ? s_shared.Value
        : s_byFactory.GetValue(meterFactory, static factory => Create(factory.Create(new MeterOptions(KcpMetrics.MeterName) { Version = Version })));

    private static Counter<long> Create(Meter meter) => meter.CreateCounter<long>(
        ConnectionsName, "{connection}", "Connections of clients with a TCP fallback, by the transport that carries them (kcp.transport) and how it was chosen (kcp.selection).");
}
