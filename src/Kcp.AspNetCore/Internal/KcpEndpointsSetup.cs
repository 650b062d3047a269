using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Adds the endpoints of <c>Kcp:Endpoints</c> to Kestrel, in configuration order, each with its settings, protocols,
/// certificate (TLS outermost) and the middleware registered by <see cref="KcpTransportOptions.Endpoint"/>.
/// </summary>
internal sealed class KcpEndpointsSetup(IOptions<KcpTransportOptions> transport) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        // Kestrel's options are built with the app (WebApplication's constructor resolves the server), before the
        // host starts. Invalid KCP settings are reported by ValidateOnStart when it starts, with every message; here
        // they only mean that there is nothing to bind.
        KcpTransportOptions settings;
        try
        {
            settings = transport.Value;
        }
        catch (OptionsValidationException)
        {
            return;
        }

        foreach (KcpConfiguredEndpoint endpoint in settings.ConfiguredEndpoints)
        {
            settings.EndpointCallbacks.TryGetValue(endpoint.Name, out Action<ListenOptions>? configure);
            foreach (IPAddress address in endpoint.Url.ListenAddresses)
            {
                KcpOptions kcp = endpoint.Options;
                var endPoint = new KcpEndPoint(new IPEndPoint(address, endpoint.Url.Port), kcp) { DeclaredAs = $"{endpoint.Path}, Url {endpoint.Url.Text}" };
                options.ListenKcp(endPoint, listen =>
                {
                    if (endpoint.Protocols is { } protocols)
                    {
                        listen.Protocols = protocols;
                    }

                    if (endpoint.Certificate is { } certificate)
                    {
                        listen.UseHttps(certificate);
                    }

                    configure?.Invoke(listen);
                });
            }
        }
    }
}
