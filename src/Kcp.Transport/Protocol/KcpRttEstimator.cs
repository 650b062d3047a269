namespace Kcp.Transport.Protocol;

/// <summary>
/// kcp-go's RTT/RTO estimator (kcp-wire.md §2.6.1): RFC 6298 style smoothing in integer arithmetic, with a reduced
/// weight for samples far below the expected range. Differs from ikcp.c, which averages differently and samples
/// every ACK.
/// </summary>
internal sealed class KcpRttEstimator
{
    /// <summary>Smoothed RTT in ms (0 until the first sample).</summary>
    public int SmoothedRtt { get; private set; }

    /// <summary>RTT variance in ms.</summary>
    public int Variance { get; private set; }

    /// <summary>Current retransmission timeout in ms.</summary>
    public uint Rto { get; private set; } = KcpConstants.RtoDefault;

    /// <summary>Lower bound of <see cref="Rto"/> (30 with nodelay, else 100).</summary>
    public uint MinRto { get; set; } = KcpConstants.RtoNormalMin;

    /// <summary>Feeds one RTT sample; <paramref name="interval"/> is the flush interval, the floor of the variance term.</summary>
    public void AddSample(int rtt, uint interval)
    {
        if (SmoothedRtt == 0)
        {
            SmoothedRtt = rtt;
            Variance = rtt >> 1;
        }
        else
        {
            int delta = rtt - SmoothedRtt;
            SmoothedRtt += delta >> 3;
            if (delta < 0)
            {
                delta = -delta;
            }

            // A sample below srtt - rttvar gets an 8x smaller weight, so a lucky fast sample does not collapse the RTO.
            if (rtt < SmoothedRtt - Variance)
            {
                Variance += (delta - Variance) >> 5;
            }
            else
            {
                Variance += (delta - Variance) >> 2;
            }
        }

        uint rto = unchecked((uint)SmoothedRtt + Math.Max(interval, (uint)Variance << 2));
        Rto = Math.Min(Math.Max(rto, MinRto), KcpConstants.RtoMax);
    }
}
