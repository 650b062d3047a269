namespace Kcp.Transport.Tests.Crypto;

/// <summary>Known answers from vectors.md (V1–V5, V7c), produced with the Debian kcp-go 5.6.1.</summary>
internal static class SpecVectors
{
    public const string DefaultPassphrase = "it's a secrect";

    /// <summary>V1: PBKDF2 of the kcptun default key.</summary>
    public const string DefaultPassHex = "25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444";

    public const string Nonce0Hex = "000102030405060708090a0b0c0d0e0f";

    /// <summary>V3: SEG1, a 29-byte KCP PUSH carrying "hello".</summary>
    public const string Seg1Hex = "4433221151008000e803000000000000000000000500000068656c6c6f";

    /// <summary>V4: P1 = NONCE0 | LE CRC32(SEG1) | SEG1.</summary>
    public const string P1Hex = "000102030405060708090a0b0c0d0e0f" + "abca4a05" + Seg1Hex;

    /// <summary>V4b: SHA-256 of P2 = NONCE0 | CRC | SEG2 (220 bytes).</summary>
    public const string P2Sha256 = "8bd445632232e667a54bcd4a82534511b5b113e35fafb876a43882972006de9a";

    public static byte[] DefaultPass => Convert.FromHexString(DefaultPassHex);

    /// <summary>V4: Encrypt(P1) per mode.</summary>
    public static TheoryData<string, string> P1Ciphertexts => new()
    {
        { "aes", "86834343335b168ca911bf584a05f990b5c737cc7ca41e9e57af9312b5020b762e9544873fb9dc49ad81be9aec42a76820" },
        { "aes-128", "ddd7e0a7981ba3e2a7f6d51f2a266318feeab052ae2beac29f446b40bc8245bcada95b2231e177b053718b40d1aced6787" },
        { "aes-192", "b9db59f7dd1bce4922855fb7f8f8e2611f48241b2346009d6d9e8c9f1f65d45deac9873797e00f74000fed8f05eeb3a7c0" },
        { "salsa20", "00010203040506079aaa6e7faf75365cfb7f2e0c5c5dd0422393db0496fb8b556ae920fe8a2a13c168777caa1e890626de" },
        { "blowfish", "186797305116055ece6531b898c4b235971c1d3551ee774cc20e8e42dd6428886228b82dc4c6ce9dc77130b836d0e8f02b" },
        { "twofish", "79a0668add94e7387471af7514bb1065b9a11c33859b56dd62bfdfd343ea01f70c3ae551ad835e96cad8ba2b532023351f" },
        { "cast5", "bb8f8d2209e0131c7d027b3e28d6b45733629f8e8c7d11fa73759fad0477a1d88fffcb63da97b30b395472852aaa8e9c5a" },
        { "3des", "5dca5d4fac8f6accf083365ae9eb528a9f1ddf8986fcda144df50d78d18a5f5bbe4d84b4eeab61f473864a66ed759fce42" },
        { "tea", "fc9c4eb4a8e9502bde3d3c8b0679084d2de09ea99a46af1df0f7e3da75b857869b7c192bef81973fe320e6580f0144d6c8" },
        { "xtea", "09256989438dfb5af0f2a323dfd1ac2c212c19dac4e9b7f8300547f0ad0da6267d349b45a906fc0277585d7309f6a9d508" },
        { "xor", "0fff8b84a99173765c7011c3f60cb823c0044b03f6a662029c52bfbcf779ac8cf0af663f479b134e20a0d0f7f64a566e80" },
        { "sm4", "0340e44fd923bb2259e375a7ab6ee54d5267f875fc0e6db2f6c9c0918ec492e1d6b4a5da9457b0d2e647a085346a09b1ea" },
        { "none", P1Hex },
    };

    /// <summary>V4b: (SHA-256 of Encrypt(P2), first 32 bytes, last 21 bytes) per mode.</summary>
    public static TheoryData<string, string, string, string> P2Ciphertexts => new()
    {
        { "aes", "2c0728e6d8bbae9b17c71a290025053246608f5ab08ff1566894853b8fe19b60", "86834343335b168ca911bf584a05f9909f1e12ff7ca41e9e57af9312b5020b76", "43b617c728279f122387e6c2c28010aebd298885c5" },
        { "aes-128", "9599fca25f2344af4560bb829e07efcf79ec466ad20f75f2bef45923c0359b06", "ddd7e0a7981ba3e2a7f6d51f2a266318d4339561ae2beac29f446b40bc8245bc", "ddb6129ae0fb5d731892f9a1665a43a6616ef5f610" },
        { "aes-192", "9b5f4ada11b6224cfbdbdb0f15c12d4d98e5c6c5d3d6c67b65905abac683320e", "b9db59f7dd1bce4922855fb7f8f8e261359101282346009d6d9e8c9f1f65d45d", "99eb6fdf532949e4afa55c6c34ed9cc44d5219a580" },
        { "salsa20", "6a33ab95107d51786d1e91844b66cd7e094f0e8795017642abc984af4b21b103", "00010203040506079aaa6e7faf75365cd1a60b3f5c5dd0422393db0496fb8b55", "8f263803e219aee89f798a82247f07b6040eb5fdbe" },
        { "blowfish", "c121a64200470ba559c1cd92310951d4e137f8d6a96a6c20ec9a3c718f542967", "186797305116055ece6531b898c4b235bdc5380651ee774c5845ed9900b30ae9", "8853ed25b396c65d66d3594f1be4adcf6b92e0b220" },
        { "twofish", "048159345222b06500f4c14d1727552659b11065e074642ad8591f7fb2790558", "79a0668add94e7387471af7514bb106593783900859b56dd62bfdfd343ea01f7", "a4f1590f100d41b20be65fe8040939df83e423a742" },
        { "cast5", "5d1ffb711eb6e6e417a71b0f01d9c9054b2c569117ce0e05e9dce01f838bae0c", "bb8f8d2209e0131c7d027b3e28d6b45719bbbabd8c7d11fa00628004c24f8922", "f20ac7d899c24df2ce275eb3b795d8b6bc8fbbb2cd" },
        { "3des", "647567feb6662912ed59e357e2fbefabfc14bfdf502382d8fc7bb6e3b89fa48e", "5dca5d4fac8f6accf083365ae9eb528ab5c4faba86fcda14645232ea4fce43fe", "3aa247a80f8514e9141a6e0d99ab45b9ba17337600" },
        { "tea", "8d523ab9212ec85188e8cc2cad755ff61d49870ec94071a66f991f8aa8f91b7f", "fc9c4eb4a8e9502bde3d3c8b0679084d0739bb9a9a46af1d18b395e0cc5b001a", "294bb0afd9a87a45d74c81230e66abdefe744f75fc" },
        { "xtea", "568d00206b38e9539d40bd57ba9c3f863a45a7e34cefdaabb543449fcb9f528a", "09256989438dfb5af0f2a323dfd1ac2c0bf53ce9c4e9b7f84121eedb8bb1c8ce", "d1ff5096c02bd68f161ee33c086e30f479e04dda45" },
        { "xor", "074747ed38c532dc27df0cb26e8bdabf7d94f9c17b29662e35a8be2b69ec8b2f", "0fff8b84a99173765c7011c3f60cb823eadd6e30f6a662029c52bfbcf779ac8c", "0630a036f531e1ad0c39ae8f36e39b2cfef27f97c2" },
        { "sm4", "4fef8bfaeb8b7bcd5ac1d98e04199d6fa6498d56eab410ef7e991d1b041ff00b", "0340e44fd923bb2259e375a7ab6ee54d78bedd46fc0e6db2f6c9c0918ec492e1", "82041dd88cdab5fa046fd92deaecd1e0e3191bc44a" },
        { "none", P2Sha256, "000102030405060708090a0b0c0d0e0f81136f364433221151008000e8030000", "9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf" },
    };

    /// <summary>V5: E_K(IV[:blocksize]) per block-cipher mode.</summary>
    public static TheoryData<string, string> FirstKeystreamBlocks => new()
    {
        { "aes", "86824140375e108ba118b5534608f79f" },
        { "aes-128", "ddd6e2a49c1ea5e5afffdf14262b6d17" },
        { "aes-192", "b9da5bf4d91ec84e2a8c55bcf4f5ec6e" },
        { "blowfish", "1866953355130359" },
        { "twofish", "79a16489d991e13f7c78a57e18b61e6a" },
        { "cast5", "bb8e8f210de5151b" },
        { "3des", "5dcb5f4ca88a6ccb" },
        { "tea", "fc9d4cb7acec562c" },
        { "xtea", "09246b8a4788fd5d" },
        { "sm4", "0341e64cdd26bd2551ea7faca763eb42" },
    };

    /// <summary>Every name that has a crypto layer (all but "null").</summary>
    public static TheoryData<string> FramedNames => new()
    {
        "aes", "aes-128", "aes-192", "salsa20", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "xor", "sm4", "none",
    };

    /// <summary>Names whose cipher hides every byte behind a key (not xor, not none).</summary>
    public static TheoryData<string> KeyedNames => new()
    {
        "aes", "aes-128", "aes-192", "salsa20", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "sm4",
    };

    /// <summary>SEG2 (200 bytes): PUSH sn 1 with 176 data bytes 0x00..0xaf (vectors.md preamble).</summary>
    public static byte[] Seg2()
    {
        var seg = new byte[24 + 176];
        Convert.FromHexString("4433221151008000e80300000100000000000000b0000000").CopyTo(seg, 0);
        for (int i = 0; i < 176; i++)
        {
            seg[24 + i] = (byte)i;
        }

        return seg;
    }
}
