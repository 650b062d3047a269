using System.Collections;
using Microsoft.AspNetCore.Http.Features;

namespace Kcp.AspNetCore.Internal.Fallback;

/// <summary>
/// The features of a raced connection: its own (<see cref="IKcpTransportSelectionFeature"/>), then, once decided,
/// the winner's (<see cref="IKcpSessionFeature"/> over KCP; SignalR's keep-alive feature over long polling). Before
/// the decision only its own: nothing a client reads at connect time may describe a transport that could still lose.
/// </summary>
internal sealed class RacingFeatureCollection(TransportRace? race, RaceCandidate? decided) : IFeatureCollection
{
    private readonly FeatureCollection _own = new();

    public bool IsReadOnly => false;

    public int Revision => _own.Revision + (Winner?.Revision + 1 ?? 0);

    private IFeatureCollection? Winner => decided?.Features
        ?? (race is not null && race.Winner.IsCompletedSuccessfully ? race.Winner.Result.Features : null);

    public object? this[Type key]
    {
        get => _own[key] ?? Winner?[key];
        set => _own[key] = value;
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        var seen = new HashSet<Type>();
        foreach (KeyValuePair<Type, object> feature in _own)
        {
            seen.Add(feature.Key);
            yield return feature;
        }

        if (Winner is { } winner)
        {
            foreach (KeyValuePair<Type, object> feature in winner)
            {
                if (seen.Add(feature.Key))
                {
                    yield return feature;
                }
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
