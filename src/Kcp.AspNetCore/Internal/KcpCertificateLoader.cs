using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// The <c>Certificate</c> of a <c>Kcp:Endpoints</c> entry, with the keys of Kestrel's endpoint certificates: a file
/// (<c>Path</c>: PKCS#12 with <c>Password</c>, or PEM/DER with the PEM <c>KeyPath</c>, encrypted when <c>Password</c>
/// is given; relative paths are under the content root) or a store entry (<c>Subject</c>, <c>Store</c> "My",
/// <c>Location</c> "CurrentUser", <c>AllowInvalid</c> false).
/// </summary>
internal static class KcpCertificateLoader
{
    private static readonly string[] Keys = ["Path", "KeyPath", "Password", "Subject", "Store", "Location", "AllowInvalid"];

    /// <summary>Loads the certificate, or adds the problem (naming the key) to <paramref name="errors"/> and returns null.</summary>
    public static X509Certificate2? Load(IConfigurationSection section, string? contentRoot, List<string> errors)
    {
        int before = errors.Count;
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a certificate setting; use {string.Join(", ", Keys)}.");
            }
        }

        string? path = Value(section, "Path");
        string? subject = Value(section, "Subject");
        if ((path is null) == (subject is null))
        {
            errors.Add($"{section.Path} needs either Path (a certificate file) or Subject (a certificate store entry), not {(path is null ? "neither" : "both")}.");
        }

        if (errors.Count > before)
        {
            return null;
        }

        return path is not null ? LoadFile(section, path, contentRoot, errors) : LoadFromStore(section, subject!, errors);
    }

    private static X509Certificate2? LoadFile(IConfigurationSection section, string path, string? contentRoot, List<string> errors)
    {
        string? keyPath = Value(section, "KeyPath");
        string? password = Value(section, "Password");
        string full = Resolve(path, contentRoot);
        try
        {
            if (keyPath is null)
            {
                return X509CertificateLoader.LoadPkcs12FromFile(full, password);
            }

            string keyFull = Resolve(keyPath, contentRoot);
            return password is null
                ? X509Certificate2.CreateFromPemFile(full, keyFull)
                : X509Certificate2.CreateFromEncryptedPemFile(full, password, keyFull);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add($"{section.Path}:Path '{path}'{(keyPath is null ? string.Empty : $" with KeyPath '{keyPath}'")} could not be loaded: {e.Message}");
            return null;
        }
    }

    private static X509Certificate2? LoadFromStore(IConfigurationSection section, string subject, List<string> errors)
    {
        string storeName = Value(section, "Store") ?? "My";
        string locationText = Value(section, "Location") ?? nameof(StoreLocation.CurrentUser);
        if (!Enum.TryParse(locationText, ignoreCase: true, out StoreLocation location) || !Enum.IsDefined(location) || int.TryParse(locationText, out _))
        {
            errors.Add($"{section.Path}:Location '{locationText}' must be CurrentUser or LocalMachine.");
            return null;
        }

        string? allowText = Value(section, "AllowInvalid");
        bool allowInvalid = false;
        if (allowText is not null && !bool.TryParse(allowText, out allowInvalid))
        {
            errors.Add($"{section.Path}:AllowInvalid '{allowText}' must be true or false.");
            return null;
        }

        try
        {
            using var store = new X509Store(storeName, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            X509Certificate2Collection found = store.Certificates.Find(X509FindType.FindBySubjectName, subject, validOnly: !allowInvalid);
            X509Certificate2? best = found.Where(c => c.HasPrivateKey).OrderByDescending(c => c.NotAfter).FirstOrDefault();
            if (best is null)
            {
                errors.Add($"{section.Path}:Subject '{subject}': no {(allowInvalid ? string.Empty : "valid ")}certificate with a private key in store {location}/{storeName}.");
            }

            return best;
        }
        catch (CryptographicException e)
        {
            errors.Add($"{section.Path}:Store '{storeName}' ({location}) could not be opened: {e.Message}");
            return null;
        }
    }

    private static string? Value(IConfigurationSection section, string key)
        => KcpOptionsBinder.Child(section, key)?.Value is { Length: > 0 } value ? value : null;

    private static string Resolve(string path, string? contentRoot)
        => Path.IsPathRooted(path) || contentRoot is null ? path : Path.Combine(contentRoot, path);
}
