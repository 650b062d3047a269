namespace Kcp.Architecture.Tests.Support;

/// <summary>The elementary cycles of a small directed graph (the rooms: a dozen nodes at most).</summary>
internal static class RoomCycles
{
    /// <summary>The most cycles listed: past that, a graph this tangled needs no longer list to be fixed.</summary>
    public const int MaxCycles = 100;

    /// <summary>
    /// Each elementary cycle once, starting at its smallest room (ordinal order): the strongly connected components
    /// (Tarjan) with more than one room, then, in each, the simple paths that return to their smallest room.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Find(IEnumerable<(string From, string To)> edges)
    {
        Dictionary<string, SortedSet<string>> graph = new(StringComparer.Ordinal);
        foreach ((string from, string to) in edges)
        {
            if (from == to)
            {
                continue;
            }

            Successors(graph, from).Add(to);
            Successors(graph, to);
        }

        List<IReadOnlyList<string>> cycles = [];
        foreach (List<string> component in StronglyConnectedComponents(graph).Where(c => c.Count > 1))
        {
            HashSet<string> inComponent = new(component, StringComparer.Ordinal);
            foreach (string start in component.Order(StringComparer.Ordinal))
            {
                List<string> path = [start];
                Walk(graph, inComponent, start, start, path, cycles);
            }
        }

        return [.. cycles.OrderBy(c => c.Count).ThenBy(c => string.Join(" ", c), StringComparer.Ordinal).Take(MaxCycles)];
    }

    private static void Walk(Dictionary<string, SortedSet<string>> graph, HashSet<string> component, string start, string at, List<string> path, List<IReadOnlyList<string>> cycles)
    {
        foreach (string next in graph[at])
        {
            if (cycles.Count >= MaxCycles)
            {
                return;
            }

            if (next == start)
            {
                cycles.Add([.. path]);
            }
            else if (component.Contains(next) && string.CompareOrdinal(next, start) > 0 && !path.Contains(next))
            {
                path.Add(next);
                Walk(graph, component, start, next, path, cycles);
                path.RemoveAt(path.Count - 1);
            }
        }
    }

    private static SortedSet<string> Successors(Dictionary<string, SortedSet<string>> graph, string node)
    {
        if (!graph.TryGetValue(node, out SortedSet<string>? successors))
        {
            graph[node] = successors = new SortedSet<string>(StringComparer.Ordinal);
        }

        return successors;
    }

    private static List<List<string>> StronglyConnectedComponents(Dictionary<string, SortedSet<string>> graph)
    {
        Dictionary<string, int> index = new(StringComparer.Ordinal);
        Dictionary<string, int> lowLink = new(StringComparer.Ordinal);
        Stack<string> stack = new();
        HashSet<string> onStack = new(StringComparer.Ordinal);
        List<List<string>> components = [];
        int visited = 0;

        void Connect(string node)
        {
            index[node] = visited;
            lowLink[node] = visited;
            visited++;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in graph[node])
            {
                if (!index.ContainsKey(next))
                {
                    Connect(next);
                    lowLink[node] = Math.Min(lowLink[node], lowLink[next]);
                }
                else if (onStack.Contains(next))
                {
                    lowLink[node] = Math.Min(lowLink[node], index[next]);
                }
            }

            if (lowLink[node] == index[node])
            {
                List<string> component = [];
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (string node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Connect(node);
            }
        }

        return components;
    }
}
