using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Mono.Cecil;

namespace Kcp.Architecture.Tests;

/// <summary>The checkers on cases known by reading the code: a checker that finds nothing would pass every rule.</summary>
public sealed class DependencyCollectorSelfTests
{
    private static List<IlTypeDependency> From(string sourceType) =>
    [
        .. IlDependencyCollector.SameAssemblyDependencies(Assemblies.Load("Kcp.Transport"))
            .Where(d => IlDependencyCollector.Outermost(d.Source).FullName == sourceType),
    ];

    [Fact]
    public void DependencyCollector_ListenerIngress_FindsItsOptionsInFieldsAndSignatures()
    {
        // ListenerIngress has `private readonly KcpOptions _options;` and a constructor taking `KcpOptions options`.
        List<IlTypeDependency> found = [.. From("Kcp.Transport.Ingress.ListenerIngress").Where(d => d.Target.FullName == "Kcp.Transport.KcpOptions")];

        Assert.Contains(found, d => d.Site == ReferenceSite.Signature && d.Member == "_options");
        Assert.Contains(found, d => d.Site == ReferenceSite.Signature && d.Member.StartsWith(".ctor(", StringComparison.Ordinal));
    }

    [Fact]
    public void DependencyCollector_StaticCallsInMethodBodies_AreFound()
    {
        // ListenerIngress uses the static class KcpPacketValidator only in method bodies (KcpPacketValidator.TryValidate,
        // .ScanPushes): no field, signature or attribute names it.
        List<IlTypeDependency> found = [.. From("Kcp.Transport.Ingress.ListenerIngress").Where(d => d.Target.FullName == "Kcp.Transport.Protocol.KcpPacketValidator")];

        Assert.NotEmpty(found);
        Assert.All(found, d => Assert.Equal(ReferenceSite.Body, d.Site));
    }

    [Fact]
    public void DependencyCollector_CompilerGeneratedTypes_CountAsTheirOutermostType()
    {
        // Async methods and lambdas compile to nested types (<M>d__N, <>c__DisplayClass): a reference found only there is
        // the outermost type's, in its room (KcpSession's async methods reference other rooms from their state machines).
        List<IlTypeDependency> generated =
        [
            .. IlDependencyCollector.SameAssemblyDependencies(Assemblies.Load("Kcp.Transport"))
                .Where(d => d.Source.DeclaringType is not null && d.Source.Name.StartsWith('<'))
                .Where(d => Rooms.RoomOf(d.Source) != Rooms.RoomOf(d.Target)),
        ];

        Assert.NotEmpty(generated);
        Assert.All(generated, d => Assert.Contains(
            Rooms.Dependencies,
            r => r.Reference == d && r.SourceType == IlDependencyCollector.Outermost(d.Source) && r.SourceType != d.Source));
    }

    [Fact]
    public void PublicApiChecker_InternalTypesAndPrivateMembers_AreReportedPublicOnesNot()
    {
        // This assembly as the library: PublicApiRuleTests (public) reads the internal class ArchitectureRules (its public
        // fields) and calls its own private NonPublicReason.
        ModuleDefinition module = Assemblies.Load("Kcp.Architecture.Tests");
        HashSet<string> libraries = [module.Assembly.Name.Name];
        List<string> uses =
        [
            .. IlDependencyCollector.Collect(module)
                .Where(r => IlDependencyCollector.Outermost(r.Source).FullName == typeof(PublicApiRuleTests).FullName)
                .SelectMany(r => PublicApiRuleTests.NonPublicUses(r.Target, libraries)),
        ];

        Assert.Contains("internal type Kcp.Architecture.Tests.ArchitectureRules", uses);
        Assert.Contains(uses, u => u.StartsWith("private method Kcp.Architecture.Tests.PublicApiRuleTests.NonPublicReason(", StringComparison.Ordinal));
        Assert.DoesNotContain(uses, u => u.Contains("PublicApiConsumers", StringComparison.Ordinal)); // A public field (of an internal type).
        Assert.DoesNotContain(uses, u => u.Contains("PublicApiRuleTests." + nameof(PublicApiRuleTests.PublicApiOnly_AdapterAndSamples_UseNoNonPublicTypeOrMemberOfTheLibraries), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("namespace Microsoft.AspNetCore.Hosting; public static class X { public static void UseKcp(this object o) { } }", true, true)]
    [InlineData("namespace Microsoft.Extensions.DependencyInjection; public static class X { extension(object o) { public void AddKcp() { } } }", true, true)]
    [InlineData("namespace Microsoft.AspNetCore.Hosting; public static class X { public static void UseKcp(this object o) { } }", false, false)]
    [InlineData("namespace Microsoft.AspNetCore.Hosting; public class X { }", true, false)]
    [InlineData("namespace Kcp.AspNetCore { class X { } } namespace Kcp.AspNetCore.Other { class Y { } }", true, false)]
    [InlineData("namespace Kcp.AspNetCore; class X { }", true, true)]
    [InlineData("global using System;", false, true)]
    public void NamespaceRule_ExtensionClassesInRootFiles_MayUseMicrosoftNamespaces(string source, bool isRootFile, bool passes)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));

        List<string> violations = [.. NamespaceRuleTests.Check(tree, "X.cs", "Kcp.AspNetCore", isRootFile)];

        Assert.Equal(passes, violations.Count == 0);
    }

    [Fact]
    public void RoomOf_NestedNamespaces_CountAsTheirFirstSegment()
    {
        TypeDefinition linux = new("Kcp.Transport.Io.Linux", "Poller", TypeAttributes.Public);
        TypeDefinition root = new("Kcp.Transport", "KcpOptions", TypeAttributes.Public);
        TypeDefinition outside = new("Other", "Thing", TypeAttributes.Public);

        Assert.Equal("Io", Rooms.RoomOf(linux));
        Assert.Equal(ArchitectureRules.Root, Rooms.RoomOf(root));
        Assert.Equal("(outside Kcp.Transport: Other)", Rooms.RoomOf(outside));
    }

    [Fact]
    public void RoomCycles_KnownGraph_FindsEachElementaryCycleOnce()
    {
        (string, string)[] edges = [("A", "B"), ("B", "A"), ("B", "C"), ("C", "A"), ("C", "D"), ("D", "D"), ("E", "A")];

        IReadOnlyList<IReadOnlyList<string>> cycles = RoomCycles.Find(edges);

        Assert.Equal(["A -> B", "A -> B -> C"], cycles.Select(c => string.Join(" -> ", c)));
    }
}
