using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class KcpCryptTests
{
    [Fact]
    public void Names_ListsTheFourteenClassicKcptunNamesAndAes128Gcm()
    {
        Assert.Equal(
            ["aes", "aes-128", "aes-192", "salsa20", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "xor", "sm4", "none", "null", "aes-128-gcm"],
            KcpCrypt.Names);
    }

    [Theory]
    [InlineData("aes", true)]
    [InlineData("null", true)]
    [InlineData("none", true)]
    [InlineData("AES", false)]
    [InlineData("aes-128-gcm", true)]
    [InlineData("aes-256-gcm", false)]
    [InlineData("", false)]
    public void IsSupported_Name_MatchesList(string name, bool expected) => Assert.Equal(expected, KcpCrypt.IsSupported(name));

    [Theory]
    [InlineData(SpecVectors.DefaultPassphrase, SpecVectors.DefaultPassHex)]
    [InlineData("test", "fc0327c66699e5622be3b108e336991375ba429750939d57003dc89d9fed8859")]
    public void DeriveKey_Passphrase_MatchesKcptun(string passphrase, string expectedHex) =>
        Assert.Equal(expectedHex, Convert.ToHexStringLower(KcpCrypt.DeriveKey(passphrase)));

    [Fact]
    public void Create_Null_ReturnsProtectionWithoutHeaderOrTrailer()
    {
        using PacketProtection protection = CipherRegistry.Create("null", SpecVectors.DefaultPass);

        Assert.Equal("null", protection.Name);
        Assert.Equal((0, 0), (protection.HeaderSize, protection.TrailerSize));
    }

    [Fact]
    public void Create_UnknownName_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => CipherRegistry.Create("rot13", SpecVectors.DefaultPass));

        Assert.Contains("rot13", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.KeyedNames), MemberType = typeof(SpecVectors))]
    public void Create_KeyNot32Bytes_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => CipherRegistry.Create(name, new byte[16]));
        Assert.Throws<ArgumentException>(() => CipherRegistry.Create(name, new byte[33]));
    }

    [Fact]
    public void Create_NoneWithoutKey_Works()
    {
        using PacketProtection cipher = CipherRegistry.Create("none", default);

        Assert.Equal(20, cipher.HeaderSize);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.FramedNames), MemberType = typeof(SpecVectors))]
    public void Create_FramedName_ReportsNameAndHeader(string name)
    {
        using PacketProtection cipher = CipherRegistry.Create(name, SpecVectors.DefaultPass);

        Assert.Equal(name, cipher.Name);
        Assert.Equal(20, cipher.HeaderSize);
        Assert.Equal(0, cipher.TrailerSize);
    }

    [Theory]
    [InlineData("aes", 32)]
    [InlineData("aes-128", 16)]
    [InlineData("aes-192", 24)]
    public void Create_AesNames_SliceKeyLikeKcptun(string name, int keyBytes)
    {
        // Changing a key byte past the slice must not change the ciphertext; changing the last byte inside it must.
        byte[] pass = SpecVectors.DefaultPass;
        byte[] outside = (byte[])pass.Clone();
        byte[] inside = (byte[])pass.Clone();
        if (keyBytes < 32)
        {
            outside[keyBytes] ^= 1;
        }

        inside[keyBytes - 1] ^= 1;

        Assert.Equal(Seal(name, pass), Seal(name, outside));
        Assert.NotEqual(Seal(name, pass), Seal(name, inside));
    }

    private static byte[] Seal(string name, byte[] pass)
    {
        using PacketProtection cipher = CipherRegistry.Create(name, pass);
        var d = new byte[64];
        cipher.SealWithNonce(d, new byte[16]);
        return d;
    }
}
