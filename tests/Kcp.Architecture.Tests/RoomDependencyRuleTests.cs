using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mono.Cecil;

namespace Kcp.Architecture.Tests;

/// <summary>Rule 2: the rooms of Kcp.Transport reference only the rooms the table allows, and form no cycle.</summary>
public sealed class RoomDependencyRuleTests
{
    [Fact]
    public void RoomDependencies_AnyTypeOfKcpTransport_ReferencesOnlyAllowedRooms()
    {
        List<string> violations = [];

        // A room the assembly has and the table lacks.
        foreach (IGrouping<string, string> room in Rooms.Types()
            .Where(r => !ArchitectureRules.AllowedDependencies.ContainsKey(r.Room))
            .GroupBy(r => r.Room, r => IlNames.TypeName(r.Type))
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            List<string> types = [.. room.Order(StringComparer.Ordinal)];
            violations.Add($"room {room.Key} is not in the architecture table ({types.Count} types: {Abbreviate(types, 8)})");
        }

        // One example per (room pair, referencing type), and the other types it references there.
        foreach (IGrouping<(string SourceRoom, string TargetRoom, string SourceType), RoomDependency> group in Rooms.Dependencies
            .Where(d => ArchitectureRules.AllowedDependencies.ContainsKey(d.SourceRoom))
            .Where(d => !Rooms.IsAllowed(d.SourceRoom, d.TargetRoom, d.TargetType))
            .GroupBy(d => (d.SourceRoom, d.TargetRoom, d.SourceType.FullName)))
        {
            RoomDependency example = group.First();
            List<string> others =
            [
                .. group.Where(d => d.TargetType != example.TargetType)
                    .Select(d => IlNames.TypeName(d.TargetType) + (Rooms.IsRootEntryPoint(d.TargetType) ? " (a root entry point)" : ""))
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
            ];
            string also = others.Count == 0 ? "" : $"; also references {Abbreviate(others, 6)}";
            violations.Add($"{group.Key.SourceRoom} -> {group.Key.TargetRoom}: {example.Example}{also}");
        }

        violations.Sort(StringComparer.Ordinal);
        Violations.AssertNone(
            "Room dependencies of Kcp.Transport",
            violations,
            "Move the type to a room that may reference the other, invert the reference through a contract (an interface or "
            + "options type in a room both may use), or, if the layout itself changed, edit AllowedDependencies/RootEntryPoints.");
    }

    [Fact]
    public void RoomDependencies_NonRootRoomsOfKcpTransport_FormNoCycle()
    {
        // The room graph without the root, one example reference per edge.
        Dictionary<(string From, string To), RoomDependency> edges = [];
        foreach (RoomDependency dependency in Rooms.Dependencies)
        {
            if (dependency.SourceRoom != ArchitectureRules.Root && dependency.TargetRoom != ArchitectureRules.Root)
            {
                edges.TryAdd((dependency.SourceRoom, dependency.TargetRoom), dependency);
            }
        }

        List<string> violations = [];
        foreach (IReadOnlyList<string> cycle in RoomCycles.Find(edges.Keys))
        {
            IEnumerable<string> steps = cycle.Select((room, i) =>
            {
                string next = cycle[(i + 1) % cycle.Count];
                return $"{room} -> {next}: {edges[(room, next)].Example}";
            });
            violations.Add($"cycle {string.Join(" -> ", cycle.Append(cycle[0]))}:\n" + string.Join("\n", steps));
        }

        Violations.AssertNone(
            "Rooms of Kcp.Transport form no cycle",
            violations,
            "Break each cycle at one of its edges: move the referencing type, or invert that reference through a contract.");
    }

    [Fact]
    public void RoomDependencies_ConstantsUsedInKcpTransportSources_ComeOnlyFromAllowedRooms()
    {
        // The compiler copies a constant's value (const fields, enum members) into the IL that uses it: the test above
        // cannot see `PacketLayout.AeadTagSize` used from another room. This pass reads the sources for Type.Constant,
        // Type being a type of the assembly that has a constant of that name (names as written: no aliases, no
        // `using static`; a name two such types share is left out).
        ModuleDefinition module = Assemblies.Load(ArchitectureRules.RoomAssembly);
        Dictionary<string, List<TypeDefinition>> withConstants = IlDependencyCollector.AllTypes(module)
            .Where(t => !Rooms.IsCompilerInfrastructure(t) && t.Fields.Any(f => f.IsLiteral))
            .GroupBy(IlNames.SimpleName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // (rooms, using type) -> constant -> "file:line", then more lines (a type's uses are in its own files: the first will do).
        SortedDictionary<(string SourceRoom, string TargetRoom, string SourceType), SortedDictionary<string, List<string>>> uses = [];
        foreach (string file in Repository.Files(Path.Combine(ArchitectureRules.SourceFolder, ArchitectureRules.RoomAssembly), ".cs"))
        {
            foreach (MemberAccessExpressionSyntax access in Repository.Parse(file).GetRoot().DescendantNodes().OfType<MemberAccessExpressionSyntax>())
            {
                string constant = access.Name.Identifier.ValueText;
                if (RightmostName(access.Expression) is not string typeName
                    || !withConstants.TryGetValue(typeName, out List<TypeDefinition>? types)
                    || types.Where(t => t.Fields.Any(f => f.IsLiteral && f.Name == constant)).ToList() is not [TypeDefinition target]
                    || access.Ancestors().OfType<BaseTypeDeclarationSyntax>().LastOrDefault() is not BaseTypeDeclarationSyntax user)
                {
                    continue;
                }

                string sourceRoom = Rooms.RoomOf(SyntaxNames.NamespaceOf(access));
                string targetRoom = Rooms.RoomOf(target);
                if (sourceRoom != targetRoom
                    && ArchitectureRules.AllowedDependencies.ContainsKey(sourceRoom)
                    && !Rooms.IsAllowed(sourceRoom, targetRoom, target))
                {
                    (string, string, string) key = (sourceRoom, targetRoom, SyntaxNames.FullTypeName(user));
                    if (!uses.TryGetValue(key, out SortedDictionary<string, List<string>>? constants))
                    {
                        uses[key] = constants = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
                    }

                    string name = $"{IlNames.TypeName(target)}.{constant}{(Rooms.IsRootEntryPoint(target) ? " of a root entry point" : "")}";
                    if (!constants.TryGetValue(name, out List<string>? places))
                    {
                        constants[name] = places = [];
                    }

                    places.Add(places.Count == 0 ? $"{Repository.Relative(file)}:{SyntaxNames.Line(access)}" : $"{SyntaxNames.Line(access)}");
                }
            }
        }

        IEnumerable<string> violations = uses.Select(u =>
            $"{u.Key.SourceRoom} -> {u.Key.TargetRoom}: {u.Key.SourceType} uses "
            + string.Join(", ", u.Value.Select(c => $"constant {c.Key} (at {Abbreviate(c.Value, 6)})")));
        Violations.AssertNone(
            "Room dependencies of Kcp.Transport (constants, from the sources)",
            violations,
            "Move the constant to a room both may use (or to the room that uses it), or edit AllowedDependencies.");
    }

    [Fact]
    public void ArchitectureTable_AnyAllowedRoom_IsARoomOfTheTableOrAToken()
    {
        // A typo in the table would silently allow nothing (or everything): every name it uses must mean something.
        string[] tokens = [ArchitectureRules.RootContracts, ArchitectureRules.Everything];
        List<string> violations =
        [
            .. ArchitectureRules.AllowedDependencies
                .SelectMany(entry => entry.Value.Select(target => (Room: entry.Key, Target: target)))
                .Where(x => !ArchitectureRules.AllowedDependencies.ContainsKey(x.Target) && !tokens.Contains(x.Target))
                .Select(x => $"AllowedDependencies[{x.Room}] names {x.Target}, which is neither a room of the table nor {string.Join(" nor ", tokens)}")
                .Order(StringComparer.Ordinal),
        ];

        Violations.AssertNone("The architecture table is consistent", violations, "Fix the name in AllowedDependencies.");
    }

    private static string? RightmostName(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => null,
    };

    private static string Abbreviate(IReadOnlyList<string> items, int max) =>
        items.Count <= max ? string.Join(", ", items) : string.Join(", ", items.Take(max)) + $", ... ({items.Count - max} more)";
}
