using Kcp.Architecture.Tests.Support;
using Mono.Cecil;

namespace Kcp.Architecture.Tests;

/// <summary>
/// Rule 6: the adapter (Kcp.AspNetCore) and the samples (kcpcat, ChatHub) use only the public API of the libraries,
/// read from their compiled IL: what the compiler let them use through InternalsVisibleTo shows there.
/// </summary>
public sealed class PublicApiRuleTests
{
    [Fact]
    public void PublicApiOnly_AdapterAndSamples_UseNoNonPublicTypeOrMemberOfTheLibraries()
    {
        List<string> violations = [];
        foreach (string consumer in ArchitectureRules.PublicApiConsumers)
        {
            ModuleDefinition module = Assemblies.Load(consumer);
            HashSet<string> libraries = new(ArchitectureRules.PublicApiLibraries.Where(l => !string.Equals(l, module.Assembly.Name.Name, StringComparison.OrdinalIgnoreCase)), StringComparer.Ordinal);

            // Non-public API used -> where (distinct sites).
            SortedDictionary<string, SortedSet<string>> uses = new(StringComparer.Ordinal);
            foreach (IlReference reference in IlDependencyCollector.Collect(module))
            {
                foreach (string used in NonPublicUses(reference.Target, libraries))
                {
                    if (!uses.TryGetValue(used, out SortedSet<string>? sites))
                    {
                        uses[used] = sites = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    sites.Add(reference.Where);
                }
            }

            foreach ((string used, SortedSet<string> sites) in uses)
            {
                string more = sites.Count > 3 ? $", ... ({sites.Count - 3} more)" : "";
                violations.Add($"{module.Assembly.Name.Name} uses {used} (in {string.Join(", ", sites.Take(3))}{more})");
            }
        }

        Violations.AssertNone(
            "The adapter and the samples use only public API",
            violations,
            "Make the API public (a deliberate, documented part of the library) or stop using it; then remove the "
            + "InternalsVisibleTo that allowed it (rule 5).");
    }

    /// <summary>What of the libraries' non-public API a reference uses: its types, and the method or field itself.</summary>
    internal static IEnumerable<string> NonPublicUses(MemberReference target, HashSet<string> libraries)
    {
        foreach (TypeReference type in IlDependencyCollector.NamedTypes(target))
        {
            if (!libraries.Contains(IlDependencyCollector.AssemblyOf(type)))
            {
                continue;
            }

            TypeDefinition? definition = type.Resolve();
            if (definition is null)
            {
                yield return $"type {IlNames.TypeName(type)}, which the library no longer has (rebuild?)";
            }
            else if (NonPublicReason(definition) is string reason)
            {
                yield return $"{reason} type {IlNames.TypeName(definition)}";
            }
        }

        MemberReference? member = target switch
        {
            GenericInstanceMethod generic => generic.ElementMethod,
            MethodReference method => method,
            FieldReference field => field,
            _ => null,
        };
        if (member is null || !IlDependencyCollector.NamedTypes(member.DeclaringType).Any(t => libraries.Contains(IlDependencyCollector.AssemblyOf(t))))
        {
            yield break;
        }

        IMemberDefinition? resolved = member switch
        {
            MethodReference method => method.Resolve(),
            FieldReference field => field.Resolve(),
            _ => null,
        };
        string? access = resolved switch
        {
            null => "a member the library no longer has (rebuild?):",
            MethodDefinition m when !(m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) => Accessibility(m.Attributes & MethodAttributes.MemberAccessMask),
            FieldDefinition f when !(f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) => Accessibility((MethodAttributes)(ushort)(f.Attributes & FieldAttributes.FieldAccessMask)),
            _ => null,
        };
        if (access is not null)
        {
            yield return $"{access} {(member is FieldReference ? "field" : "method")} {IlNames.MemberName(member)}";
        }
    }

    /// <summary>Why a type is not public API (its own or an enclosing type's accessibility), null if it is.</summary>
    private static string? NonPublicReason(TypeDefinition type)
    {
        for (TypeDefinition? t = type; t is not null; t = t.DeclaringType)
        {
            bool visible = t.DeclaringType is null ? t.IsPublic : t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamilyOrAssembly;
            if (!visible)
            {
                string access = t.DeclaringType is null ? "internal"
                    : t.IsNestedPrivate ? "private"
                    : t.IsNestedAssembly ? "internal"
                    : "private protected";
                return t == type ? access : $"(in {access} {IlNames.TypeName(t)})";
            }
        }

        return null;
    }

    // Method and field access masks share their values (Private 1, FamANDAssem 2, Assembly 3, ...).
    private static string Accessibility(MethodAttributes access) => access switch
    {
        MethodAttributes.Private => "private",
        MethodAttributes.FamANDAssem => "private protected",
        MethodAttributes.Assembly => "internal",
        MethodAttributes.CompilerControlled => "compiler-controlled",
        _ => access.ToString(),
    };
}
