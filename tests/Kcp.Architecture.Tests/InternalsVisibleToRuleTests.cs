using System.Xml;
using System.Xml.Linq;
using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kcp.Architecture.Tests;

/// <summary>Rule 5: the libraries and samples show their internals only to tests, benchmarks and fuzzers.</summary>
public sealed class InternalsVisibleToRuleTests
{
    [Fact]
    public void InternalsVisibleTo_AnyProjectOrSourceUnderSrcOrSamples_NamesOnlyTestAssemblies()
    {
        List<string> violations = [];
        foreach (string folder in ArchitectureRules.InternalsVisibleToScanFolders)
        {
            foreach (string file in Repository.Files(folder, ".csproj", ".props", ".targets"))
            {
                violations.AddRange(FromProjectFile(file).Where(g => !IsAllowed(g.Assembly))
                    .Select(g => $"{Repository.Relative(file)}:{g.Line}: InternalsVisibleTo {g.Assembly}"));
            }

            foreach (string file in Repository.Files(folder, ".cs"))
            {
                violations.AddRange(FromSource(file).Where(g => !IsAllowed(g.Assembly))
                    .Select(g => $"{Repository.Relative(file)}:{g.Line}: [assembly: InternalsVisibleTo(\"{g.Assembly}\")]"));
            }
        }

        Violations.AssertNone(
            "Internals only for tests",
            violations,
            $"Only assemblies ending in {string.Join(", ", ArchitectureRules.InternalsVisibleToSuffixes)} may see internals: "
            + "make what the others use public (and documented), or move the code that needs it.");
    }

    private static bool IsAllowed(string assembly) =>
        ArchitectureRules.InternalsVisibleToSuffixes.Any(s => assembly.EndsWith(s, StringComparison.Ordinal));

    /// <summary>&lt;InternalsVisibleTo Include="X" /&gt; items, and AssemblyAttribute items of the attribute.</summary>
    private static IEnumerable<(string Assembly, int Line)> FromProjectFile(string file)
    {
        XDocument project = XDocument.Load(file, LoadOptions.SetLineInfo);
        foreach (XElement element in project.Descendants())
        {
            string? granted = element.Name.LocalName switch
            {
                "InternalsVisibleTo" => (string?)element.Attribute("Include"),
                "AssemblyAttribute" when ((string?)element.Attribute("Include"))?.EndsWith("InternalsVisibleToAttribute", StringComparison.Ordinal) == true
                    => element.Elements().FirstOrDefault(e => e.Name.LocalName == "_Parameter1")?.Value,
                _ => null,
            };
            if (granted is not null)
            {
                yield return (AssemblyName(granted), ((IXmlLineInfo)element).LineNumber);
            }
        }
    }

    /// <summary>[assembly: InternalsVisibleTo("X")] attributes (the first argument as written, if a string literal).</summary>
    private static IEnumerable<(string Assembly, int Line)> FromSource(string file) =>
        Repository.Parse(file).GetRoot().DescendantNodes().OfType<AttributeListSyntax>()
            .Where(list => list.Target?.Identifier.IsKind(SyntaxKind.AssemblyKeyword) == true)
            .SelectMany(list => list.Attributes)
            .Where(a => SyntaxNames.AttributeName(a) == "InternalsVisibleTo")
            .Select(a => (
                AssemblyName(a.ArgumentList?.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax literal
                    ? literal.Token.ValueText
                    : a.ArgumentList?.Arguments.FirstOrDefault()?.ToString() ?? "(no argument)"),
                SyntaxNames.Line(a)));

    /// <summary>"Name, PublicKey=..." is Name.</summary>
    private static string AssemblyName(string granted) => granted.Split(',')[0].Trim();
}
