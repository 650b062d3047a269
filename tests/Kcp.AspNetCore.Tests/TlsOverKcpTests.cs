using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using static Kcp.AspNetCore.Tests.ConfiguredKcpHost;

namespace Kcp.AspNetCore.Tests;

/// <summary>TLS 1.3 over KCP: <c>UseHttps</c> (in code, or <c>Certificate</c> in configuration) with ALPN choosing h2.</summary>
public sealed class TlsOverKcpTests : IDisposable
{
    private readonly X509Certificate2 _certificate = TestCertificates.Create();
    private readonly string _folder = Directory.CreateTempSubdirectory("kcp-tls-").FullName;

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static void MapTls(WebApplication app) => app.MapGet("/tls", (HttpContext context) =>
    {
        ITlsHandshakeFeature? tls = context.Features.Get<ITlsHandshakeFeature>();
        ITlsApplicationProtocolFeature? alpn = context.Features.Get<ITlsApplicationProtocolFeature>();
        return $"{context.Request.Protocol} {tls?.Protocol} {(alpn is null ? "none" : System.Text.Encoding.ASCII.GetString(alpn.ApplicationProtocol.Span))}";
    });

    private HttpClient CreateClient(IPEndPoint endPoint, X509Certificate2 trusted)
    {
        SocketsHttpHandler handler = KcpHttpHandler.Create(endPoint);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => TestCertificates.IsExactly(presented, trusted);
        return new HttpClient(handler)
        {
            BaseAddress = new Uri("https://kcp.test/"),
            Timeout = TestTimeouts.Default,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
    }

    [Fact]
    public async Task UseHttpsInCode_ClientAsksForH2_NegotiatesTls13AndH2ByAlpn()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(_certificate);
            },
            mapApp: MapTls,
            withTcp: false);
        using HttpClient client = CreateClient(host.KcpEndPoint, _certificate);

        using HttpResponseMessage response = await client.GetAsync("tls").DefaultTimeout();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal($"HTTP/2 {SslProtocols.Tls13} h2", await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    [Fact]
    public async Task CertificateFromConfiguration_Pkcs12File_ServesTls13WithH2()
    {
        string path = Path.Combine(_folder, "server.pfx");
        await File.WriteAllBytesAsync(path, _certificate.Export(X509ContentType.Pkcs12, "pfx password")).DefaultTimeout();
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Endpoints:Secure:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Secure:Protocols", "Http2"),
            Setting("Kcp:Endpoints:Secure:Certificate:Path", path),
            Setting("Kcp:Endpoints:Secure:Certificate:Password", "pfx password"),
        ], mapApp: MapTls);
        try
        {
            using HttpClient client = CreateClient(ClientEndPoint(app).IPEndPoint, _certificate);

            using HttpResponseMessage response = await client.GetAsync("tls").DefaultTimeout();

            Assert.Equal($"HTTP/2 {SslProtocols.Tls13} h2", await response.Content.ReadAsStringAsync().DefaultTimeout());
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task CertificateFromConfiguration_PemFilesRelativeToTheContentRoot_ServeTls13()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "server.crt"), _certificate.ExportCertificatePem()).DefaultTimeout();
        await File.WriteAllTextAsync(Path.Combine(_folder, "server.key"), _certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()).DefaultTimeout();
        WebApplication app = await StartAsync(
        [
            Setting("Kcp:Endpoints:Secure:Url", "kcp://127.0.0.1:0"),
            Setting("Kcp:Endpoints:Secure:Certificate:Path", "server.crt"),
            Setting("Kcp:Endpoints:Secure:Certificate:KeyPath", "server.key"),
        ], mapApp: MapTls, contentRoot: _folder);
        try
        {
            using HttpClient client = CreateClient(ClientEndPoint(app).IPEndPoint, _certificate);

            string body = await client.GetStringAsync("tls").DefaultTimeout();

            Assert.Equal($"HTTP/2 {SslProtocols.Tls13} h2", body);
        }
        finally
        {
            await StopAsync(app);
        }
    }

    [Fact]
    public async Task ClientTrustingAnotherCertificate_RefusesTheServer()
    {
        using X509Certificate2 other = TestCertificates.Create();
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseHttps(_certificate), mapApp: MapTls, withTcp: false);
        using HttpClient client = CreateClient(host.KcpEndPoint, other);

        HttpRequestException error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("tls")).DefaultTimeout();

        Assert.IsType<AuthenticationException>(error.InnerException);
    }
}
