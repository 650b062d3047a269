using System.Security.Cryptography.X509Certificates;
using Kcp.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kcp.AspNetCore.Internal;

/// <summary>One endpoint read from <c>Kcp:Endpoints:&lt;Name&gt;</c>, ready to bind.</summary>
/// <param name="Name">The key under <c>Kcp:Endpoints</c>, as written.</param>
/// <param name="Path">The configuration path of the endpoint's section.</param>
/// <param name="Url">The parsed <c>Url</c>.</param>
/// <param name="Protocols">The <c>Protocols</c> key, or null to keep Kestrel's endpoint defaults.</param>
/// <param name="Certificate">The <c>Certificate</c> (TLS), or null.</param>
/// <param name="Options">The defaults with the endpoint's own keys applied.</param>
internal sealed record KcpConfiguredEndpoint(
    string Name, string Path, KcpEndpointUrl Url, HttpProtocols? Protocols, X509Certificate2? Certificate, KcpOptions Options);
