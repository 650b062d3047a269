using System.Diagnostics.Metrics;
using Kcp.AspNetCore;
using Kcp.AspNetCore.Internal;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Registers the KCP transport with Kestrel, beside <c>UseSockets</c> and <c>UseQuic</c>.</summary>
public static class WebHostBuilderKcpExtensions
{
    /// <summary>
    /// Adds <see cref="KcpTransportFactory"/> as an additional Kestrel transport (Sockets keeps serving TCP endpoints),
    /// reads the <c>Kcp</c> configuration section (<c>Kcp:Defaults</c>, and <c>Kcp:Endpoints:&lt;name&gt;</c>, which
    /// it binds as Kestrel binds <c>Kestrel:Endpoints</c>), applies <paramref name="configure"/>, and validates it all
    /// when the host starts: a bad or unknown key stops the host with a message naming it. Endpoints can also be added
    /// in code with <c>ListenKcp</c>. The section is read once; a later configuration reload is logged, not applied.
    /// </summary>
    /// <param name="hostBuilder">The web host builder.</param>
    /// <param name="configure">Changes the defaults, or configures endpoints declared in configuration (<see cref="KcpTransportOptions.Endpoint"/>).</param>
    /// <returns>The web host builder, for chaining.</returns>
    public static IWebHostBuilder UseKcp(this IWebHostBuilder hostBuilder, Action<KcpTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(hostBuilder);

        // Sockets registers itself with TryAdd: if our factory were the first IConnectionListenerFactory, Sockets
        // would be skipped and every TCP endpoint would fail to bind. Registering it first makes the order safe.
        hostBuilder.UseSockets();
        return hostBuilder.ConfigureServices(services =>
        {
            services.AddOptions<KcpTransportOptions>().ValidateOnStart();
            services.TryAddSingleton<KcpTransportOptionsSetup>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KcpTransportOptions>, KcpTransportOptionsSetup>(
                static sp => sp.GetRequiredService<KcpTransportOptionsSetup>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KcpTransportOptions>, KcpTransportOptionsSetup>(
                static sp => sp.GetRequiredService<KcpTransportOptionsSetup>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KcpTransportOptions>, KcpTransportOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KcpEndpointsSetup>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KcpConfigurationChangeLogger>());
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
