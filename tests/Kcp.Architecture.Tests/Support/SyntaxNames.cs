using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kcp.Architecture.Tests.Support;

/// <summary>Names as written in the source (syntax only: no symbols, so no aliases or usings are followed).</summary>
internal static class SyntaxNames
{
    /// <summary>The namespace a node is declared in ("" for the global namespace), nested namespaces joined.</summary>
    public static string NamespaceOf(SyntaxNode node) =>
        string.Join('.', node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString()));

    /// <summary>The type's name within its namespace: containing types joined by '.', arity as `N.</summary>
    public static string TypeName(BaseTypeDeclarationSyntax type) =>
        string.Join('.', type.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().Reverse().Select(SimpleName));

    /// <summary>Namespace + containing types + name.</summary>
    public static string FullTypeName(BaseTypeDeclarationSyntax type)
    {
        string ns = NamespaceOf(type);
        return ns.Length == 0 ? TypeName(type) : ns + "." + TypeName(type);
    }

    private static string SimpleName(BaseTypeDeclarationSyntax type) =>
        type is TypeDeclarationSyntax { TypeParameterList.Parameters.Count: > 0 and int arity }
            ? $"{type.Identifier.ValueText}`{arity}"
            : type.Identifier.ValueText;

    /// <summary>
    /// The named type declarations of a tree (classes, structs, records, interfaces, enums, nested ones too), leaving
    /// out C# 14 extension blocks (members of their static class, not types).
    /// </summary>
    public static IEnumerable<BaseTypeDeclarationSyntax> TypeDeclarations(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Where(t => !t.IsKind(SyntaxKind.ExtensionBlockDeclaration));

    /// <summary>The lines a node spans, from its first token (attributes included) to its last; comments before it not.</summary>
    public static int LineCount(SyntaxNode node)
    {
        FileLinePositionSpan span = node.SyntaxTree.GetLineSpan(node.Span);
        return span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
    }

    /// <summary>The 1-based line a node starts on.</summary>
    public static int Line(SyntaxNode node) => node.SyntaxTree.GetLineSpan(node.Span).StartLinePosition.Line + 1;

    /// <summary>An attribute's simple name, without qualification or the Attribute suffix.</summary>
    public static string AttributeName(AttributeSyntax attribute)
    {
        string name = attribute.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name[..^"Attribute".Length] : name;
    }
}
