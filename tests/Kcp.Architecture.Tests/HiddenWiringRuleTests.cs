using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Mono.Cecil;

namespace Kcp.Architecture.Tests;

/// <summary>
/// Rule 4: the libraries get what they use from their callers, not from the process: no thread-static state, no
/// environment variables, no process-wide instances of their own classes.
/// </summary>
public sealed class HiddenWiringRuleTests
{
    [Fact]
    public void HiddenWiring_SourcesOfTheLibraries_UseNoForbiddenAttributeOrCall()
    {
        List<string> violations = [];
        foreach (string project in ArchitectureRules.NoHiddenWiringProjects)
        {
            foreach (string file in Repository.Files(Path.Combine(ArchitectureRules.SourceFolder, project), ".cs"))
            {
                SyntaxNode root = Repository.Parse(file).GetRoot();
                string where = Repository.Relative(file);
                foreach (AttributeSyntax attribute in root.DescendantNodes().OfType<AttributeSyntax>())
                {
                    string name = SyntaxNames.AttributeName(attribute);
                    if (ArchitectureRules.ForbiddenAttributes.Contains(name))
                    {
                        violations.Add($"{where}:{SyntaxNames.Line(attribute)}: [{name}] on {DescribeTarget(attribute)}");
                    }
                }

                foreach (InvocationExpressionSyntax call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (ForbiddenCall(call.Expression) is string forbidden)
                    {
                        violations.Add($"{where}:{SyntaxNames.Line(call)}: call to {forbidden}");
                    }
                }
            }
        }

        Violations.AssertNone(
            "No hidden wiring (sources)",
            violations,
            "Pass the state or the setting in explicitly (an options property, a constructor parameter, the runtime object).");
    }

    [Fact]
    public void HiddenWiring_StaticFieldsOfTheLibraries_HoldNoInstanceOfOurClasses()
    {
        List<ModuleDefinition> ours = [.. ArchitectureRules.NoHiddenWiringProjects.Select(Assemblies.Load)];
        List<string> violations = [];
        foreach (ModuleDefinition module in ours)
        {
            foreach (TypeDefinition type in IlDependencyCollector.AllTypes(module))
            {
                foreach (FieldDefinition field in type.Fields.Where(f => f.IsStatic))
                {
                    if (IsAllowed(type, field))
                    {
                        continue;
                    }

                    List<string> held =
                    [
                        .. HeldTypes(field.FieldType)
                            .Where(t => ours.Any(m => IlDependencyCollector.IsDefinedIn(t, m)))
                            .Select(t => t.Resolve())
                            .Where(t => t is not null && !t.IsValueType) // Classes (delegates too) and interfaces.
                            .Select(t => IlNames.TypeName(t))
                            .Distinct(StringComparer.Ordinal),
                    ];
                    if (held.Count > 0)
                    {
                        bool threadStatic = field.CustomAttributes.Any(a => a.AttributeType.FullName == "System.ThreadStaticAttribute");
                        string holds = field.FieldType is GenericInstanceType or ArrayType ? $" (holds {string.Join(", ", held)})" : "";
                        violations.Add($"{IlNames.TypeName(type)}.{field.Name} : {IlNames.TypeName(field.FieldType)}{holds}{(threadStatic ? " [ThreadStatic]" : "")}");
                    }
                }
            }
        }

        violations.Sort(StringComparer.Ordinal);
        Violations.AssertNone(
            "No hidden wiring (static instances of our classes)",
            violations,
            "Make the instance belong to an object the caller creates and passes in (KcpRuntime, a listener, a client), or, "
            + "for a documented process-wide default, add the field to AllowedStaticInstances.");
    }

    /// <summary>Allowed by <see cref="ArchitectureRules.AllowedStaticInstances"/>, or compiler-generated (lambda caches).</summary>
    private static bool IsAllowed(TypeDefinition type, FieldDefinition field)
    {
        if (field.Name.Contains(ArchitectureRules.CompilerGeneratedMarker, StringComparison.Ordinal)
            || ArchitectureRules.AllowedStaticInstances.Contains($"{IlNames.TypeName(type)}.{field.Name}"))
        {
            return true;
        }

        for (TypeDefinition? t = type; t is not null; t = t.DeclaringType)
        {
            if (t.Name.Contains(ArchitectureRules.CompilerGeneratedMarker, StringComparison.Ordinal)
                || ArchitectureRules.AllowedStaticInstances.Contains(IlNames.TypeName(t)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The named types whose instances a field of this type may hold: the type, an array's or pointer's element
    /// types, and a generic instance's arguments (Lazy&lt;T&gt;, ConditionalWeakTable&lt;K, V&gt;, List&lt;T&gt;...),
    /// except a delegate's (Action&lt;T&gt;, Func&lt;T&gt; hold code taking or returning a T, not a T).
    /// </summary>
    private static IEnumerable<TypeReference> HeldTypes(TypeReference type)
    {
        switch (type)
        {
            case GenericParameter:
                yield break;
            case GenericInstanceType generic:
                yield return generic.ElementType;
                if (generic.ElementType.Resolve()?.BaseType?.FullName != "System.MulticastDelegate")
                {
                    foreach (TypeReference held in generic.GenericArguments.SelectMany(HeldTypes))
                    {
                        yield return held;
                    }
                }

                yield break;
            case TypeSpecification specification:
                foreach (TypeReference held in HeldTypes(specification.ElementType))
                {
                    yield return held;
                }

                yield break;
            default:
                yield return type;
                yield break;
        }
    }

    /// <summary>The forbidden Type.Method a call names (Type.Method, Namespace.Type.Method, or Method alone).</summary>
    private static string? ForbiddenCall(ExpressionSyntax callee)
    {
        (string? receiver, string method) = callee switch
        {
            MemberAccessExpressionSyntax access => (RightmostName(access.Expression), access.Name.Identifier.ValueText),
            SimpleNameSyntax name => ((string?)null, name.Identifier.ValueText),
            _ => (null, ""),
        };
        return ArchitectureRules.ForbiddenCalls.FirstOrDefault(f => receiver is null
            ? f.EndsWith("." + method, StringComparison.Ordinal)
            : string.Equals(f, $"{receiver}.{method}", StringComparison.Ordinal));
    }

    private static string? RightmostName(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        _ => null,
    };

    private static string DescribeTarget(AttributeSyntax attribute) => attribute.Parent?.Parent switch
    {
        FieldDeclarationSyntax field => "field " + string.Join(", ", field.Declaration.Variables.Select(v => v.Identifier.ValueText)),
        PropertyDeclarationSyntax property => "property " + property.Identifier.ValueText,
        BaseTypeDeclarationSyntax type => "type " + type.Identifier.ValueText,
        MethodDeclarationSyntax method => "method " + method.Identifier.ValueText,
        SyntaxNode other => other.Kind().ToString(),
        null => "?",
    };
}
