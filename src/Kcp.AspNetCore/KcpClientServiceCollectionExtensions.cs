using System.Diagnostics.Metrics;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the KCP client.</summary>
public static class KcpClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="KcpConnectionFactory"/> (also as <see cref="IConnectionFactory"/> unless one is
    /// registered) dialing with default <see cref="KcpOptions"/> changed by <paramref name="configure"/>. Invalid
    /// settings throw here, naming the setting.
    /// </summary>
    public static IServiceCollection AddKcpClient(this IServiceCollection services, Action<KcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new KcpOptions();
        configure?.Invoke(options);
        options.Validate();
        services.TryAddSingleton(sp => new KcpConnectionFactory(options, sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IConnectionFactory>(static sp => sp.GetRequiredService<KcpConnectionFactory>());
        return services;
    }
}
