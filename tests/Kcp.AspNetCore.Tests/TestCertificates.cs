using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kcp.AspNetCore.Tests;

/// <summary>Self-signed server certificates made in the test, for TLS over KCP.</summary>
internal static class TestCertificates
{
    /// <summary>A certificate for <paramref name="host"/> with its private key, valid from yesterday to tomorrow.</summary>
    public static X509Certificate2 Create(string host = "kcp.test")
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>True only for exactly <paramref name="expected"/> (the client trusts the one self-signed certificate).</summary>
    public static bool IsExactly(X509Certificate? presented, X509Certificate2 expected)
        => presented is not null && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), expected.GetCertHashString(HashAlgorithmName.SHA256), StringComparison.Ordinal);
}
