using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kcp.Architecture.Tests;

/// <summary>Rule 3: no type (all its partial declarations together) and no file under src/ is longer than the limit.</summary>
public sealed class TypeSizeRuleTests
{
    [Fact]
    public void TypeSize_AnyTypeOrFileUnderSrc_StaysWithinTheLineLimit()
    {
        List<(string File, BaseTypeDeclarationSyntax Type)> declarations = [];
        List<string> violations = [];
        foreach (string file in Repository.Files(ArchitectureRules.SourceFolder, ".cs"))
        {
            var tree = Repository.Parse(file);
            List<BaseTypeDeclarationSyntax> types = [.. SyntaxNames.TypeDeclarations(tree)];
            declarations.AddRange(types.Select(t => (file, t)));

            // As an editor counts them: the empty "line" after a final newline is not one.
            var text = tree.GetText();
            int lines = text.Lines.Count - (text.Lines.Count > 1 && text.Lines[^1].Span.IsEmpty ? 1 : 0);
            if (lines > ArchitectureRules.MaxFileLines && !(types.Count > 0 && types.All(IsOversizeAllowed)))
            {
                violations.Add($"file {Repository.Relative(file)}: {lines} lines (max {ArchitectureRules.MaxFileLines})");
            }
        }

        // A type's partial declarations, across files: by namespace + containing types + name.
        foreach (IGrouping<string, (string File, BaseTypeDeclarationSyntax Type)> type in declarations
            .GroupBy(d => SyntaxNames.FullTypeName(d.Type), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int lines = type.Sum(d => SyntaxNames.LineCount(d.Type));
            if (lines > ArchitectureRules.MaxTypeLines && !IsOversizeAllowed(type.First().Type))
            {
                IEnumerable<string> files = type
                    .GroupBy(d => d.File)
                    .Select(f => $"{Repository.Relative(f.Key)} ({f.Sum(d => SyntaxNames.LineCount(d.Type))})")
                    .Order(StringComparer.Ordinal);
                violations.Add($"type {type.Key}: {lines} lines (max {ArchitectureRules.MaxTypeLines}) in {string.Join(", ", files)}");
            }
        }

        Violations.AssertNone(
            "Type and file size",
            violations,
            "Split the type along one of its responsibilities (a partial file only moves lines: the type's total counts), "
            + "or, for a type that must stay whole, add it to OversizeAllowed.");
    }

    private static bool IsOversizeAllowed(BaseTypeDeclarationSyntax type) =>
        ArchitectureRules.OversizeAllowed.Any(a => a.Allows(SyntaxNames.NamespaceOf(type), SyntaxNames.TypeName(type)));
}
