using System.Diagnostics.Metrics;
using Kcp.AspNetCore.Internal;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore;

/// <summary>Registers the KCP transport with Kestrel.</summary>
public static class WebHostBuilderKcpExtensions
{
    /// <summary>
    /// Adds <see cref="KcpTransportFactory"/> as an additional Kestrel transport (Sockets keeps serving TCP endpoints)
    /// and <see cref="KcpTransportOptions"/>, bound from the "Kcp" configuration section, then changed by
    /// <paramref name="configure"/>, and validated when the host starts. Add endpoints with <c>ListenKcp</c>.
    /// </summary>
    public static IWebHostBuilder UseKcp(this IWebHostBuilder hostBuilder, Action<KcpTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(hostBuilder);

        // Sockets registers itself with TryAdd: if our factory were the first IConnectionListenerFactory, Sockets
        // would be skipped and every TCP endpoint would fail to bind. Registering it first makes the order safe.
        hostBuilder.UseSockets();
        return hostBuilder.ConfigureServices(services =>
        {
            services.AddOptions<KcpTransportOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KcpTransportOptions>, KcpTransportOptionsSetup>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KcpTransportOptions>, KcpTransportOptionsValidator>());
            if (configure is not null)
            {
                services.Configure(configure);
            }

            services.TryAddSingleton(static sp => new KcpTransportFactory(
                sp.GetRequiredService<IOptions<KcpTransportOptions>>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<IMemoryPoolFactory<byte>>(),
                sp.GetService<IMeterFactory>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, KcpTransportFactory>(
                static sp => sp.GetRequiredService<KcpTransportFactory>()));
        });
    }
}
