using System.Diagnostics.Metrics;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore;

/// <summary>
/// Builds a client <see cref="IConnectionFactory"/> in the style of Bedrock's ClientBuilder: a transport (KCP by
/// <see cref="UseKcp"/>, or any factory) wrapped by factory decorators (pooling, logging, retries...), the last
/// added outermost.
/// </summary>
public sealed class KcpClientBuilder
{
    private readonly List<Func<IConnectionFactory, IConnectionFactory>> _decorators = [];
    private IConnectionFactory? _transport;

    /// <summary>Creates a builder; <paramref name="applicationServices"/> supplies the logger factory of <see cref="UseKcp"/>.</summary>
    public KcpClientBuilder(IServiceProvider? applicationServices = null)
    {
        ApplicationServices = applicationServices;
    }

    /// <summary>Services for decorators, or null.</summary>
    public IServiceProvider? ApplicationServices { get; }

    /// <summary>Uses a <see cref="KcpConnectionFactory"/> with default settings changed by <paramref name="configure"/>.</summary>
    public KcpClientBuilder UseKcp(Action<KcpOptions>? configure = null)
    {
        var options = new KcpOptions();
        configure?.Invoke(options);
        return UseConnectionFactory(new KcpConnectionFactory(options, ApplicationServices?.GetService<ILoggerFactory>(), ApplicationServices?.GetService<IMeterFactory>()));
    }

    /// <summary>Uses <paramref name="factory"/> as the transport.</summary>
    public KcpClientBuilder UseConnectionFactory(IConnectionFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _transport = factory;
        return this;
    }

    /// <summary>Wraps the factory built so far with <paramref name="decorator"/>.</summary>
    public KcpClientBuilder Use(Func<IConnectionFactory, IConnectionFactory> decorator)
    {
        ArgumentNullException.ThrowIfNull(decorator);
        _decorators.Add(decorator);
        return this;
    }

    /// <summary>The transport wrapped by every decorator; throws when no transport was configured.</summary>
    public IConnectionFactory Build()
    {
        IConnectionFactory factory = _transport
            ?? throw new InvalidOperationException($"No transport configured: call {nameof(UseKcp)} or {nameof(UseConnectionFactory)} first.");
        foreach (Func<IConnectionFactory, IConnectionFactory> decorator in _decorators)
        {
            factory = decorator(factory);
        }

        return factory;
    }
}
