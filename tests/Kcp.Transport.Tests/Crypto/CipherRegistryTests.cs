using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>The registry's descriptors: what option validation reads without creating a cipher must match the cipher.</summary>
public sealed class CipherRegistryTests
{
    public static TheoryData<string> AllNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in KcpCrypt.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Names_AreKcpCryptNames_FifteenWithAesGcm()
    {
        Assert.Equal(KcpCrypt.Names, CipherRegistry.Names);
        Assert.Equal(15, CipherRegistry.Names.Count);
        Assert.True(CipherRegistry.TryGet(KcpCrypt.AesGcmName, out _));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Descriptor_Sizes_EqualTheCreatedProtection(string name)
    {
        CipherDescriptor descriptor = CipherRegistry.Get(name);

        using PacketProtection protection = CipherRegistry.Create(name, SpecVectors.DefaultPass);

        Assert.Equal(name, descriptor.Name);
        Assert.Equal(name, protection.Name);
        Assert.Equal(descriptor.HeaderSize, protection.HeaderSize);
        Assert.Equal(descriptor.TrailerSize, protection.TrailerSize);
    }

    [Theory]
    [InlineData("null", 0, 0)]
    [InlineData("none", 20, 0)]
    [InlineData("aes", 20, 0)]
    [InlineData("salsa20", 20, 0)]
    [InlineData("xor", 20, 0)]
    [InlineData("aes-128-gcm", 12, 16)]
    public void Descriptor_Sizes_MatchTheWireSpec(string name, int header, int trailer)
    {
        CipherDescriptor descriptor = CipherRegistry.Get(name);

        Assert.Equal((header, trailer), (descriptor.HeaderSize, descriptor.TrailerSize));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Descriptor_RequiresKey_ExceptNoneAndNull(string name)
    {
        CipherDescriptor descriptor = CipherRegistry.Get(name);

        Assert.Equal(name is not ("none" or "null"), descriptor.RequiresKey);
        if (!descriptor.RequiresKey)
        {
            using PacketProtection keyless = CipherRegistry.Create(name, default);
            Assert.Equal(name, keyless.Name);
        }
    }

    [Theory]
    [InlineData("rot13")]
    [InlineData("AES")]
    [InlineData("")]
    public void Get_UnknownName_ThrowsNamingItAndListingTheSupportedOnes(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => CipherRegistry.Get(name));

        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", KcpCrypt.Names), ex.Message, StringComparison.Ordinal);
        Assert.False(CipherRegistry.TryGet(name, out _));
    }

    [Fact]
    public void TryGet_Null_IsFalse() => Assert.False(CipherRegistry.TryGet(null, out _));

    [Fact]
    public void Create_AesGcm_TakesItsSettings()
    {
        long? warned = null;
        var settings = new ProtectionSettings { ReplayHorizonMs = 1000, MaxRememberedNonces = 2048, NonceBudgetWarning = n => warned = n };

        using PacketProtection protection = CipherRegistry.Create(KcpCrypt.AesGcmName, SpecVectors.DefaultPass, settings);

        Assert.IsType<AesGcmPacketCipher>(protection);
        Assert.Null(warned);
    }
}
