using Kcp.Architecture.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kcp.Architecture.Tests;

/// <summary>Rule 1: every type under src/&lt;Project&gt;/&lt;Folder&gt;/&lt;Sub&gt;/ is in namespace &lt;Project&gt;.&lt;Folder&gt;.&lt;Sub&gt;.</summary>
public sealed class NamespaceRuleTests
{
    [Fact]
    public void NamespacesFollowFolders_AnySourceFileUnderSrc_DeclaresItsFolderNamespace()
    {
        List<string> violations = [];
        foreach (string project in Repository.Folders(ArchitectureRules.SourceFolder))
        {
            string projectName = Path.GetFileName(project);
            foreach (string file in Repository.Files(project, ".cs"))
            {
                string folder = Path.GetRelativePath(project, Path.GetDirectoryName(file)!);
                string expected = folder == "."
                    ? projectName
                    : projectName + "." + folder.Replace(Path.DirectorySeparatorChar, '.').Replace(Path.AltDirectorySeparatorChar, '.');
                violations.AddRange(Check(Repository.Parse(file), Repository.Relative(file), expected, isRootFile: folder == "."));
            }
        }

        Violations.AssertNone(
            "Namespaces follow folders",
            violations,
            "Move each type to the namespace of its folder (or the file to the folder of its namespace).");
    }

    /// <summary>The violations of one file: each namespace its top-level types are declared in, if not the expected one.</summary>
    internal static IEnumerable<string> Check(SyntaxTree tree, string path, string expected, bool isRootFile)
    {
        // Top-level types and delegates: what a namespace holds (files with none, e.g. global usings, have nothing to check).
        List<MemberDeclarationSyntax> types =
        [
            .. tree.GetRoot().DescendantNodes()
                .OfType<MemberDeclarationSyntax>()
                .Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
                .Where(m => m.Parent is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax),
        ];
        foreach (IGrouping<string, MemberDeclarationSyntax> group in types.GroupBy(SyntaxNames.NamespaceOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string declared = group.Key;
            if (string.Equals(declared, expected, StringComparison.Ordinal)
                || (isRootFile && declared.StartsWith(ArchitectureRules.ExtensionNamespacePrefix, StringComparison.Ordinal) && group.All(IsExtensionClass)))
            {
                continue;
            }

            string names = string.Join(", ", group.Select(t => t is BaseTypeDeclarationSyntax b ? b.Identifier.ValueText : ((DelegateDeclarationSyntax)t).Identifier.ValueText));
            yield return $"{path}: declares namespace {(declared.Length == 0 ? "(global)" : declared)}, expected {expected} (types: {names})";
        }
    }

    /// <summary>A static class of extension methods (classic <c>this</c> parameters or C# 14 extension blocks).</summary>
    private static bool IsExtensionClass(MemberDeclarationSyntax member) =>
        member is ClassDeclarationSyntax type
        && type.Modifiers.Any(SyntaxKind.StaticKeyword)
        && type.Members.Any(m =>
            m.IsKind(SyntaxKind.ExtensionBlockDeclaration)
            || (m is MethodDeclarationSyntax method && method.ParameterList.Parameters.FirstOrDefault()?.Modifiers.Any(SyntaxKind.ThisKeyword) == true));
}
