using Mono.Cecil;

namespace Kcp.Architecture.Tests.Support;

/// <summary>A reference from one room to another, as found in the IL (types are the outermost declaring types).</summary>
internal sealed record RoomDependency(string SourceRoom, string TargetRoom, TypeDefinition SourceType, TypeDefinition TargetType, IlTypeDependency Reference)
{
    /// <summary>"TypeA references TypeB (in member M)", TypeA and M being where the reference is, compiler-generated or not.</summary>
    public string Example => $"{IlNames.TypeName(SourceType)} references {IlNames.TypeName(TargetType)}{EntryPointNote} (in member {Reference.Where})";

    private string EntryPointNote => TargetRoom == ArchitectureRules.Root && Rooms.IsRootEntryPoint(TargetType) ? ", a root entry point" : "";
}

/// <summary>The rooms of <see cref="ArchitectureRules.RoomAssembly"/> and the references between them.</summary>
internal static class Rooms
{
    private static readonly Lazy<IReadOnlyList<RoomDependency>> s_dependencies = new(FindDependencies);

    /// <summary>Every reference from a type of one room to a type of another, in the compiled IL.</summary>
    public static IReadOnlyList<RoomDependency> Dependencies => s_dependencies.Value;

    /// <summary>The room of every type the assembly declares (outermost types, compiler infrastructure left out).</summary>
    public static IEnumerable<(string Room, TypeDefinition Type)> Types() =>
        Module.Types.Where(t => !IsCompilerInfrastructure(t)).Select(t => (RoomOf(t), t));

    private static ModuleDefinition Module => Assemblies.Load(ArchitectureRules.RoomAssembly);

    /// <summary>
    /// The room of a type: the first namespace segment under the root namespace of its outermost declaring type
    /// (Kcp.Transport.Io.Linux is room Io), <see cref="ArchitectureRules.Root"/> for the root namespace itself.
    /// </summary>
    public static string RoomOf(TypeDefinition type) => RoomOf(IlDependencyCollector.Outermost(type).Namespace);

    /// <summary>The room of a namespace: its first segment under <see cref="ArchitectureRules.RoomAssembly"/>.</summary>
    public static string RoomOf(string ns)
    {
        string root = ArchitectureRules.RoomAssembly;
        if (string.Equals(ns, root, StringComparison.Ordinal))
        {
            return ArchitectureRules.Root;
        }

        return ns.StartsWith(root + ".", StringComparison.Ordinal)
            ? ns[(root.Length + 1)..].Split('.')[0]
            : $"(outside {root}: {(ns.Length == 0 ? "global namespace" : ns)})";
    }

    /// <summary>A type of the root namespace named in <see cref="ArchitectureRules.RootEntryPoints"/> (nested types count as their outermost type).</summary>
    public static bool IsRootEntryPoint(TypeDefinition type)
    {
        TypeDefinition outermost = IlDependencyCollector.Outermost(type);
        return RoomOf(outermost) == ArchitectureRules.Root && ArchitectureRules.RootEntryPoints.Contains(IlNames.SimpleName(outermost));
    }

    /// <summary>
    /// Whether <paramref name="sourceRoom"/> may reference <paramref name="target"/>: its entry in
    /// <see cref="ArchitectureRules.AllowedDependencies"/> names the target's room, <see cref="ArchitectureRules.Everything"/>,
    /// or (for a root type not in <see cref="ArchitectureRules.RootEntryPoints"/>) <see cref="ArchitectureRules.RootContracts"/>.
    /// A room not in the table may reference nothing (it is reported on its own).
    /// </summary>
    public static bool IsAllowed(string sourceRoom, string targetRoom, TypeDefinition target)
    {
        if (sourceRoom == targetRoom)
        {
            return true;
        }

        if (!ArchitectureRules.AllowedDependencies.TryGetValue(sourceRoom, out IReadOnlySet<string>? allowed))
        {
            return false;
        }

        return allowed.Contains(ArchitectureRules.Everything)
            || allowed.Contains(targetRoom)
            || (targetRoom == ArchitectureRules.Root && allowed.Contains(ArchitectureRules.RootContracts) && !IsRootEntryPoint(target));
    }

    /// <summary>
    /// Types the compiler (or a source generator) adds outside our namespaces: &lt;Module&gt;,
    /// &lt;PrivateImplementationDetails&gt;, anonymous types, embedded attributes (NullableAttribute...). Nested
    /// compiler-generated types (closures, state machines) are not: they count as their declaring type.
    /// </summary>
    public static bool IsCompilerInfrastructure(TypeDefinition type)
    {
        TypeDefinition outermost = IlDependencyCollector.Outermost(type);
        string root = ArchitectureRules.RoomAssembly;
        if (outermost.Namespace == root || outermost.Namespace.StartsWith(root + ".", StringComparison.Ordinal))
        {
            return false;
        }

        return outermost.Name.StartsWith('<')
            || outermost.CustomAttributes.Any(a => a.AttributeType.FullName is "System.Runtime.CompilerServices.CompilerGeneratedAttribute"
                or "Microsoft.CodeAnalysis.EmbeddedAttribute"
                or "System.CodeDom.Compiler.GeneratedCodeAttribute");
    }

    private static List<RoomDependency> FindDependencies()
    {
        List<RoomDependency> found = [];
        foreach (IlTypeDependency dependency in IlDependencyCollector.SameAssemblyDependencies(Module))
        {
            if (IsCompilerInfrastructure(dependency.Source) || IsCompilerInfrastructure(dependency.Target))
            {
                continue;
            }

            TypeDefinition source = IlDependencyCollector.Outermost(dependency.Source);
            TypeDefinition target = IlDependencyCollector.Outermost(dependency.Target);
            string sourceRoom = RoomOf(source);
            string targetRoom = RoomOf(target);
            if (sourceRoom != targetRoom)
            {
                found.Add(new RoomDependency(sourceRoom, targetRoom, source, target, dependency));
            }
        }

        // Sorted so that the first of a group is a stable example: by rooms, types, then member.
        return
        [
            .. found.DistinctBy(d => (d.SourceRoom, d.TargetRoom, d.SourceType, d.TargetType, d.Reference.Where, d.Reference.Site))
                .OrderBy(d => d.SourceRoom, StringComparer.Ordinal)
                .ThenBy(d => d.TargetRoom, StringComparer.Ordinal)
                .ThenBy(d => d.SourceType.FullName, StringComparer.Ordinal)
                .ThenBy(d => d.TargetType.FullName, StringComparer.Ordinal)
                .ThenBy(d => d.Reference.Site)
                .ThenBy(d => d.Reference.Where, StringComparer.Ordinal),
        ];
    }
}
