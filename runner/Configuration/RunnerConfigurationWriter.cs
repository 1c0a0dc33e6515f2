using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Writes <see cref="RunnerOptions"/> as a <c>rulesync.yaml</c> that <see cref="RunnerConfigurationLoader"/> reads back
/// to the same options: every bindable setting that differs from its default, camelCase keys, sections as maps. Generic
/// over the options' properties, so whatever <c>EmulatorEndpoints</c> sets (endpoints, credentials of the emulators)
/// reaches the file without this class knowing it. Secrets set in the options are written: use it for emulator setups only.
/// </summary>
internal static class RunnerConfigurationWriter
{
    /// <summary>Settings an operator looks for first: written even at their defaults.</summary>
    private static readonly HashSet<string> Always = new(StringComparer.Ordinal)
    {
        nameof(RunnerOptions.Tenant), nameof(RunnerOptions.Rules), nameof(RunnerOptions.DataFolder), nameof(RunnerOptions.StateFile),
        nameof(SyncScheduleOptions.AutoShare), nameof(SyncScheduleOptions.Interval), nameof(Connectors.Crm.ODataCrmOptions.Dialect),
        nameof(MailboxOptions.Provider), nameof(DashboardOptions.Bind),
    };

    /// <summary>The YAML text of <paramref name="options"/>, after a comment header of <paramref name="header"/> lines.</summary>
    public static string Write(RunnerOptions options, IEnumerable<string> header)
    {
        var text = new StringBuilder();
        foreach (var line in header)
        {
            text.Append("# ").AppendLine(line);
        }

        WriteObject(text, options, new RunnerOptions(), 0);
        return text.ToString();
    }

    private static void WriteObject(StringBuilder text, object value, object defaults, int indent)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue; // computed (StatePath) or not bound
            }

            var key = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            var current = property.GetValue(value);
            var initial = property.GetValue(defaults);
            if (current is null)
            {
                continue;
            }

            var pad = new string(' ', indent);
            if (IsScalar(current.GetType()))
            {
                if (!Equals(current, initial) || Always.Contains(property.Name))
                {
                    text.Append(pad).Append(key).Append(": ").AppendLine(Scalar(current));
                }
            }
            else if (current is IDictionary map)
            {
                if (map.Count > 0)
                {
                    text.Append(pad).Append(key).AppendLine(":");
                    foreach (DictionaryEntry entry in map)
                    {
                        text.Append(pad).Append("  ").Append(Scalar(entry.Key)).Append(": ").AppendLine(Scalar(entry.Value!));
                    }
                }
            }
            else if (current is IEnumerable list)
            {
                var items = list.Cast<object>().ToList();
                var before = (initial as IEnumerable)?.Cast<object>().ToList() ?? [];
                if (items.SequenceEqual(before))
                {
                    continue;
                }

                if (items.All(i => IsScalar(i.GetType())))
                {
                    text.Append(pad).Append(key).Append(": [").AppendJoin(", ", items.Select(Scalar)).AppendLine("]");
                    continue;
                }

                text.Append(pad).Append(key).AppendLine(":");
                foreach (var item in items)
                {
                    var entry = new StringBuilder();
                    WriteObject(entry, item, Activator.CreateInstance(item.GetType())!, indent + 4);
                    var lines = entry.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
                    for (var i = 0; i < lines.Length; i++)
                    {
                        text.Append(pad).Append(i == 0 ? "  - " : "    ").AppendLine(lines[i][(indent + 4)..]);
                    }
                }
            }
            else
            {
                var section = new StringBuilder();
                WriteObject(section, current, initial ?? Activator.CreateInstance(current.GetType())!, indent + 2);
                if (section.Length > 0)
                {
                    text.Append(pad).Append(key).AppendLine(":").Append(section);
                }
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    private static string Scalar(object value) => value switch
    {
        string s => JsonSerializer.Serialize(s), // a JSON string is a valid YAML double-quoted scalar
        Uri u => JsonSerializer.Serialize(u.OriginalString),
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value.ToString()),
    };
}
