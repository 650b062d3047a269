using System.Text;
using System.Text.RegularExpressions;

namespace Kcp.Packaging.Tests.Infrastructure;

/// <summary>How a README code block is checked.</summary>
internal enum ReadmeBlockKind
{
    /// <summary>A whole Program.cs (it makes its own builder, or declares types): a project of its own.</summary>
    Program,

    /// <summary>Statements that use <c>builder</c> or <c>app</c> as a Program.cs has them: compiled inside a method.</summary>
    Fragment,

    /// <summary>JSON (appsettings.json or a piece of it): parsed.</summary>
    Json,

    /// <summary>Marked <c>&lt;!-- readme-check: skip REASON --&gt;</c> on the line above the fence.</summary>
    Skipped,

    /// <summary>Neither C# nor JSON (shell commands, XML, output): not checked.</summary>
    Other,
}

/// <summary>One fenced code block of README.md: its language, its first line's number and its text.</summary>
internal sealed partial record ReadmeBlock(int Line, string Language, string Code, ReadmeBlockKind Kind, string? SkipReason)
{
    /// <summary>The marker that exempts the next block, with its reason.</summary>
    public const string SkipMarker = "<!-- readme-check: skip ";

    /// <summary>The <c>using</c> directives at the top of a C# block (a fragment's are hoisted to its file).</summary>
    public IReadOnlyList<string> Usings => [.. Code.Split('\n').TakeWhile(l => UsingDirective().IsMatch(l) || l.Trim().Length == 0).Where(l => l.Trim().Length > 0)];

    /// <summary>The block without its leading <c>using</c> directives.</summary>
    public string Body => string.Join('\n', Code.Split('\n').SkipWhile(l => UsingDirective().IsMatch(l) || l.Trim().Length == 0));

    /// <summary>The line of <see cref="Body"/>'s first line in README.md.</summary>
    public int BodyLine => Line + Code.Split('\n').TakeWhile(l => UsingDirective().IsMatch(l) || l.Trim().Length == 0).Count();

    /// <summary>Every fenced block of <paramref name="markdown"/>, classified.</summary>
    public static IReadOnlyList<ReadmeBlock> Parse(string markdown)
    {
        var blocks = new List<ReadmeBlock>();
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            string language = lines[i][3..].Trim();
            int first = i + 1;
            int end = first;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            string code = string.Join('\n', lines[first..end]);
            string? skip = i > 0 && lines[i - 1].StartsWith(SkipMarker, StringComparison.Ordinal)
                ? lines[i - 1][SkipMarker.Length..].Replace("-->", string.Empty, StringComparison.Ordinal).Trim()
                : null;
            blocks.Add(new ReadmeBlock(first + 1, language, code, Classify(language, code, skip), skip));
            i = end;
        }

        return blocks;
    }

    private static ReadmeBlockKind Classify(string language, string code, string? skip) => (language, skip) switch
    {
        (_, not null) => ReadmeBlockKind.Skipped,
        ("csharp", _) when MakesItsOwnBuilder().IsMatch(code) || TopLevelType().IsMatch(code) => ReadmeBlockKind.Program,
        ("csharp", _) => ReadmeBlockKind.Fragment,
        ("json", _) => ReadmeBlockKind.Json,
        _ => ReadmeBlockKind.Other,
    };

    /// <summary>The block as a Program.cs whose lines map to README.md's (compiler errors name README.md's lines).</summary>
    public string AsProgram() => $"#line {Line} \"README.md\"\n{Code}\n";

    /// <summary>
    /// The block as the body of a method of its own class, its usings at the top of the file; <c>builder</c> and
    /// <c>app</c> are the method's parameters when the block uses them without declaring them.
    /// </summary>
    public string AsFragment(string className)
    {
        var parameters = new List<string>();
        foreach ((string type, string name) in new[] { ("WebApplicationBuilder", "builder"), ("WebApplication", "app") })
        {
            if (Regex.IsMatch(Body, $@"\b{name}\b") && !Regex.IsMatch(Body, $@"\bvar\s+{name}\b"))
            {
                parameters.Add($"{type} {name}");
            }
        }

        bool awaits = Regex.IsMatch(Body, @"\bawait\b");
        var file = new StringBuilder();
        if (Usings.Count > 0)
        {
            file.Append($"#line {Line} \"README.md\"\n");
            foreach (string directive in Usings)
            {
                file.Append(directive).Append('\n');
            }

            file.Append("#line default\n");
        }

        file.Append($"internal static class {className}\n{{\n");
        file.Append($"    internal static {(awaits ? "async Task" : "void")} Run({string.Join(", ", parameters)})\n    {{\n");
        file.Append($"#line {BodyLine} \"README.md\"\n{Body}\n#line default\n");
        file.Append("    }\n}\n");
        return file.ToString();
    }

    [GeneratedRegex(@"^using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>]+)?\s*;")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"^var\s+builder\s*=\s*WebApplication\.Create", RegexOptions.Multiline)]
    private static partial Regex MakesItsOwnBuilder();

    [GeneratedRegex(@"^((public|internal|sealed|static|abstract|partial)\s+)*(class|record|struct|interface)\s", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();
}
