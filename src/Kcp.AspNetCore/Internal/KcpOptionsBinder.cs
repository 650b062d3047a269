using System.Text;
using Kcp.Transport;
using Microsoft.Extensions.Configuration;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Binds a configuration section onto <see cref="KcpOptions"/> and names every problem by the path the user wrote.
/// The binding itself is the configuration binder's, compiled by its source generator (no reflection, so it also works
/// trimmed and under Native AOT) and generic over nested option objects: <c>Security:MaxTombstones</c> binds, and so
/// will any nested object <see cref="KcpOptions"/> gains. Each key is bound on its own, so that one bad value does not
/// hide the next; and each key is first probed alone with <see cref="BinderOptions.ErrorOnUnknownConfiguration"/> on a
/// throwaway instance (with a null value, which no conversion can reject), which tells an unknown key, nested ones
/// included, without a list of names to keep in step with <see cref="KcpOptions"/>.
/// </summary>
internal static class KcpOptionsBinder
{
    /// <summary>The key that applies one of kcptun's presets before the other keys.</summary>
    public const string PresetKey = "Preset";

    /// <summary>
    /// Applies <c>Preset</c>, then every other key of <paramref name="section"/> except <paramref name="ownKeys"/>
    /// (keys read by the caller, such as <c>Url</c>), onto <paramref name="options"/>; problems go to <paramref name="errors"/>.
    /// </summary>
    public static void Bind(IConfigurationSection section, KcpOptions options, IReadOnlySet<string> ownKeys, List<string> errors)
    {
        IConfigurationSection? preset = Child(section, PresetKey);
        if (preset is not null)
        {
            if (Enum.TryParse(preset.Value, ignoreCase: true, out KcpPreset value) && Enum.IsDefined(value) && !int.TryParse(preset.Value, out _))
            {
                options.ApplyPreset(value);
            }
            else
            {
                errors.Add($"{preset.Path} '{preset.Value}' is not one of: {string.Join(", ", Enum.GetNames<KcpPreset>())}.");
            }
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (ownKeys.Contains(child.Key) || string.Equals(child.Key, PresetKey, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (IConfigurationSection leaf in Leaves(child))
            {
                string relative = leaf.Path[(section.Path.Length + 1)..];
                if (FirstUnknown(relative) is { } unknown)
                {
                    string message = $"{section.Path}:{unknown} is not a KCP setting (see KcpOptions; README, Configuration).";
                    if (!errors.Contains(message))
                    {
                        errors.Add(message);
                    }

                    continue;
                }

                BindOne(section.Path, relative, leaf.Value, options, errors);
            }
        }
    }

    /// <summary>
    /// Rewrites the <c>KcpOptions.Name</c> and <c>KcpOptions.Outer.Inner</c> names in <see cref="KcpOptions"/>'s
    /// validation messages (a documented convention of Kcp.Transport) with what <paramref name="pathOf"/> returns for
    /// <c>Name</c> or <c>Outer:Inner</c>.
    /// </summary>
    public static string Translate(string message, Func<string, string> pathOf)
    {
        var text = new StringBuilder(message.Length + 32);
        int copied = 0;
        foreach ((int start, int length, string name) in SettingNames(message))
        {
            text.Append(message, copied, start - copied).Append(pathOf(name));
            copied = start + length;
        }

        return text.Append(message, copied, message.Length - copied).ToString();
    }

    /// <summary>The setting names (<c>Outer:Inner</c>) a validation message mentions.</summary>
    public static IEnumerable<string> NamesIn(string message) => SettingNames(message).Select(match => match.Name);

    /// <summary>The child of <paramref name="section"/> at <paramref name="relative"/> (<c>A:B</c>) as the user spelled it, or null.</summary>
    public static IConfigurationSection? Find(IConfigurationSection section, string relative)
    {
        IConfigurationSection? current = section;
        foreach (string segment in relative.Split(':'))
        {
            current = current is null ? null : Child(current, segment);
        }

        return current;
    }

    /// <summary>The child named <paramref name="key"/> (any case) as the user spelled it, or null.</summary>
    public static IConfigurationSection? Child(IConfigurationSection section, string key)
        => section.GetChildren().FirstOrDefault(child => string.Equals(child.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every section under <paramref name="section"/> (itself included) that has no children.</summary>
    public static IEnumerable<IConfigurationSection> Leaves(IConfigurationSection section)
    {
        bool any = false;
        foreach (IConfigurationSection child in section.GetChildren())
        {
            any = true;
            foreach (IConfigurationSection leaf in Leaves(child))
            {
                yield return leaf;
            }
        }

        if (!any)
        {
            yield return section;
        }
    }

    /// <summary>The shortest prefix of <paramref name="relative"/> that is not a setting, or null when every part is one.</summary>
    private static string? FirstUnknown(string relative)
    {
        string[] segments = relative.Split(':');
        for (int length = 1; length <= segments.Length; length++)
        {
            string prefix = string.Join(':', segments, 0, length);
            IConfigurationRoot probe = new ConfigurationBuilder()
                .AddInMemoryCollection([new KeyValuePair<string, string?>(prefix, null)])
                .Build();
            try
            {
                probe.Bind(new KcpOptions(), static binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException)
            {
                return prefix;
            }
        }

        return null;
    }

    private static void BindOne(string sectionPath, string relative, string? value, KcpOptions options, List<string> errors)
    {
        IConfigurationRoot single = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(sectionPath + ":" + relative, value)])
            .Build();
        try
        {
            single.GetSection(sectionPath).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            errors.Add($"{sectionPath}:{relative} '{value}' cannot be read: {(e.InnerException ?? e).Message}");
        }
    }

    /// <summary>Each <c>KcpOptions.A.B</c> in <paramref name="message"/>: where it starts, its length, and <c>A:B</c>.</summary>
    private static List<(int Start, int Length, string Name)> SettingNames(string message)
    {
        const string Prefix = "KcpOptions.";
        var found = new List<(int, int, string)>();
        int from = 0;
        while ((from = message.IndexOf(Prefix, from, StringComparison.Ordinal)) >= 0)
        {
            int start = from;
            int end = start + Prefix.Length;
            from = end;
            if ((start > 0 && IsNamePart(message[start - 1])) || end >= message.Length || !IsNameStart(message[end]))
            {
                continue;
            }

            var name = new StringBuilder();
            while (true)
            {
                int identifier = end;
                while (end < message.Length && IsNamePart(message[end]))
                {
                    end++;
                }

                name.Append(message, identifier, end - identifier);
                if (end + 1 < message.Length && message[end] == '.' && IsNameStart(message[end + 1]))
                {
                    name.Append(':');
                    end++;
                    continue;
                }

                break;
            }

            found.Add((start, end - start, name.ToString()));
            from = end;
        }

        return found;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
