namespace Kcp.LinkEmulator.Link;

/// <summary>
/// Gilbert–Elliott loss with a lossless good state and an all-lost bad state, parameterised by the mean loss rate and
/// the mean burst length L: leave the bad state with r = 1/L, enter it with p = loss·r/(1−loss), so the stationary
/// share of the bad state is the loss rate. L = 1 is uniform loss (a Bernoulli draw per packet).
/// </summary>
internal struct LossModel
{
    private readonly double _loss;
    private readonly double _enter;
    private readonly double _exit;
    private readonly bool _uniform;
    private bool _bad;

    public LossModel(double loss, double burstLength)
    {
        _loss = loss;
        _uniform = burstLength <= 1;
        _exit = 1 / Math.Max(1, burstLength);
        _enter = loss >= 1 ? 1 : loss * _exit / (1 - loss);
        _bad = false;
    }

    /// <summary>Whether the next packet is lost.</summary>
    public bool Drop(Random random)
    {
        if (_loss <= 0)
        {
            return false;
        }

        if (_uniform)
        {
            return random.NextDouble() < _loss;
        }

        _bad = _bad ? random.NextDouble() >= _exit : random.NextDouble() < _enter;
        return _bad;
    }
}
