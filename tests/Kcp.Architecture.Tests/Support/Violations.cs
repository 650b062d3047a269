using System.Text;

namespace Kcp.Architecture.Tests.Support;

/// <summary>Fails a rule with every one of its violations listed, one a line, and what to do about them.</summary>
internal static class Violations
{
    public static void AssertNone(string rule, IEnumerable<string> violations, string remedy)
    {
        List<string> all = [.. violations.Distinct(StringComparer.Ordinal)];
        if (all.Count == 0)
        {
            return;
        }

        StringBuilder message = new();
        message.Append(rule).Append(": ").Append(all.Count).Append(all.Count == 1 ? " violation" : " violations").AppendLine(":");
        foreach (string violation in all)
        {
            message.Append("  - ").AppendLine(violation.Replace("\n", "\n    ", StringComparison.Ordinal));
        }

        message.Append(remedy).Append(" (the rules are data in tests/Kcp.Architecture.Tests/ArchitectureRules.cs)");
        Assert.Fail(message.ToString());
    }
}
