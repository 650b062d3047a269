namespace Kcp.Architecture.Tests;

/// <summary>
/// The architecture of the repository, as data. The tests in this project only read these values: to change a rule,
/// change it here (README.md beside this file says what each one means).
/// </summary>
internal static class ArchitectureRules
{
    // ---------------------------------------------------------------------------------------------------------------
    // Rule 1: namespaces follow folders.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The folder whose projects (one subfolder each) must have namespaces that follow their folders.</summary>
    public const string SourceFolder = "src";

    /// <summary>
    /// A file directly in a project's folder may put its extension-method classes (and nothing else) in a namespace
    /// starting with this (the ASP.NET Core convention for <c>UseKcp</c>, <c>AddKcp...</c>).
    /// </summary>
    public const string ExtensionNamespacePrefix = "Microsoft.";

    // ---------------------------------------------------------------------------------------------------------------
    // Rule 2: room dependencies, read from the compiled IL of Kcp.Transport.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The assembly (and root namespace) divided into rooms.</summary>
    public const string RoomAssembly = "Kcp.Transport";

    /// <summary>The room of the types in the root namespace itself.</summary>
    public const string Root = "<root>";

    /// <summary>In <see cref="AllowedDependencies"/>: the root types that are not in <see cref="RootEntryPoints"/>.</summary>
    public const string RootContracts = "<root-contracts>";

    /// <summary>In <see cref="AllowedDependencies"/>: every room.</summary>
    public const string Everything = "*";

    /// <summary>
    /// Room (the first namespace segment under <see cref="RoomAssembly"/>) -> the rooms its types may reference. A room
    /// always references itself. The target layout: a room the assembly has but this table lacks is a violation.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> AllowedDependencies =
        new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            ["Protocol"] = Rooms(),
            ["Fec"] = Rooms(),
            ["Crypto"] = Rooms(),
            ["Scheduling"] = Rooms(),
            ["Diagnostics"] = Rooms(RootContracts),
            ["Io"] = Rooms("Diagnostics", "Scheduling", RootContracts),
            ["Ingress"] = Rooms("Io", "Crypto", "Fec", "Protocol", "Diagnostics", "Scheduling", RootContracts),
            ["Sessions"] = Rooms("Ingress", "Io", "Crypto", "Fec", "Protocol", "Scheduling", "Diagnostics", RootContracts),

            // smux and kcptun's snappy framing over any duplex pipe: protocol above a session's pipes, so nothing below
            // them; its settings and close reasons are root contracts, its counters and log live in Diagnostics.
            ["Multiplexing"] = Rooms("Diagnostics", RootContracts),
            [Root] = Rooms(Everything),
        };

    /// <summary>
    /// The root types (simple names, namespace <see cref="RoomAssembly"/>) no room may reference: the entry points
    /// that wire the rooms together. Every other root type (options, enums, exceptions, result records) is a contract.
    /// </summary>
    public static readonly IReadOnlySet<string> RootEntryPoints = Names("KcpListener", "KcpClient", "KcpSession", "KcpRuntime", "KcpMetrics", "KcpSmuxSession", "KcpSmuxStream");

    // ---------------------------------------------------------------------------------------------------------------
    // Rule 3: type and file size (every .cs under src/).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The most lines a type may span, summed over its partial declarations.</summary>
    public const int MaxTypeLines = 450;

    /// <summary>The most lines a source file may have.</summary>
    public const int MaxFileLines = 450;

    /// <summary>
    /// Types allowed over <see cref="MaxTypeLines"/>: exact namespace, and a prefix of the type's name (nested types
    /// are named Outer.Inner). A file is allowed over <see cref="MaxFileLines"/> when every type it declares is.
    /// </summary>
    public static readonly IReadOnlyList<OversizeAllowance> OversizeAllowed =
    [
        // The pure engine, like ikcp.c.
        new("Kcp.Transport.Protocol", "KcpControlBlock"),
    ];

    // ---------------------------------------------------------------------------------------------------------------
    // Rule 4: no hidden wiring.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The projects (folders under src/, and assemblies of the same name) with no hidden wiring.</summary>
    public static readonly IReadOnlyList<string> NoHiddenWiringProjects = ["Kcp.Transport", "Kcp.AspNetCore"];

    /// <summary>Attributes forbidden there (simple name, without the Attribute suffix).</summary>
    public static readonly IReadOnlySet<string> ForbiddenAttributes = Names("ThreadStatic");

    /// <summary>Calls forbidden there, as Type.Method (also caught as a bare Method, for <c>using static</c>).</summary>
    public static readonly IReadOnlySet<string> ForbiddenCalls = Names("Environment.GetEnvironmentVariable", "Environment.GetEnvironmentVariables");

    /// <summary>
    /// Static fields that may hold one of our classes: a declaring type's full name (all its static fields) or
    /// Type.Field. Compiler-generated fields and types (names containing <see cref="CompilerGeneratedMarker"/>, the
    /// <c>&lt;&gt;c</c> lambda caches) are always allowed.
    /// </summary>
    public static readonly IReadOnlySet<string> AllowedStaticInstances = Names(
        "Kcp.Transport.KcpRuntime", // The documented default runtime.

        // Metrics, which aggregate and change no behaviour: the static meter of code without an IMeterFactory (as
        // System.Net's own meters), one instrument set per meter factory, and the sources of the process-wide snapshot
        // (KcpMetrics.GetSnapshot, kcp-go's DefaultSnmp).
        "Kcp.Transport.Diagnostics.KcpInstruments.<Shared>k__BackingField",
        "Kcp.Transport.Diagnostics.KcpInstruments.s_byFactory",
        "Kcp.Transport.Diagnostics.MetricsRegistry.s_sources",

        // Immutable tables, built once: the cipher registrations (one line per cipher) and the default settings.
        "Kcp.Transport.Crypto.CipherRegistry.s_descriptors",
        "Kcp.Transport.Crypto.CipherRegistry.s_byName",
        "Kcp.Transport.Crypto.ProtectionSettings.<Default>k__BackingField");

    /// <summary>The mark of compiler-generated lambda caches (<c>&lt;&gt;c.&lt;&gt;9</c>, <c>&lt;&gt;9__0_0</c>).</summary>
    public const string CompilerGeneratedMarker = "<>";

    // ---------------------------------------------------------------------------------------------------------------
    // Rule 5: internals only for tests.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The folders whose project files and sources may grant InternalsVisibleTo only to the names below.</summary>
    public static readonly IReadOnlyList<string> InternalsVisibleToScanFolders = ["src", "samples"];

    /// <summary>An assembly named in InternalsVisibleTo must end with one of these.</summary>
    public static readonly IReadOnlyList<string> InternalsVisibleToSuffixes = [".Tests", "Benchmarks", "Fuzz"];

    // ---------------------------------------------------------------------------------------------------------------
    // Rule 6: the adapter and the samples use only public API (read from their IL).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The libraries whose non-public types and members nothing below may use.</summary>
    public static readonly IReadOnlyList<string> PublicApiLibraries = ["Kcp.Transport", "Kcp.AspNetCore"];

    /// <summary>
    /// The assemblies checked: the adapter (in this project's output folder) and the samples (copied to consumers/ by
    /// the project file: a sample added here must be added there too).
    /// </summary>
    public static readonly IReadOnlyList<string> PublicApiConsumers = ["Kcp.AspNetCore", "kcpcat", "ChatHub"];

    private static HashSet<string> Rooms(params string[] rooms) => new(rooms, StringComparer.Ordinal);

    private static HashSet<string> Names(params string[] names) => new(names, StringComparer.Ordinal);
}

/// <summary>Types in <paramref name="Namespace"/> whose name starts with <paramref name="NamePrefix"/>.</summary>
internal sealed record OversizeAllowance(string Namespace, string NamePrefix)
{
    public bool Allows(string @namespace, string typeName) =>
        string.Equals(@namespace, Namespace, StringComparison.Ordinal) && typeName.StartsWith(NamePrefix, StringComparison.Ordinal);
}
