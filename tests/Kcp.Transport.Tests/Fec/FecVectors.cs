using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Kcp.Transport.Tests.Fec;

/// <summary>Loads GoldenVectors/fec-vectors.json, written by GoldenVectors/gen from kcp-go 5.6.1 and klauspost/reedsolomon.</summary>
internal static class FecVectors
{
    private static readonly Lazy<JsonElement> s_root = new(Load);

    public static JsonElement Root => s_root.Value;

    public static IEnumerable<JsonElement> ReedSolomon => Root.GetProperty("reedSolomon").EnumerateArray();

    public static JsonElement Session(string name)
    {
        foreach (JsonElement session in Root.GetProperty("sessions").EnumerateArray())
        {
            if (session.GetProperty("name").GetString() == name)
            {
                return session;
            }
        }

        throw new KeyNotFoundException(name);
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static byte[][] HexArray(JsonElement array)
    {
        var result = new List<byte[]>();
        foreach (JsonElement item in array.EnumerateArray())
        {
            result.Add(Hex(item.GetString()!));
        }

        return [.. result];
    }

    // The file is read next to this source file, so the test project needs no copy-to-output item.
    private static JsonElement Load() => Load(ThisFile());

    private static JsonElement Load(string thisFile)
    {
        string path = Path.Combine(Path.GetDirectoryName(thisFile)!, "GoldenVectors", "fec-vectors.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
