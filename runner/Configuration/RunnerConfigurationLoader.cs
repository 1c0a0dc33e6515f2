using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using RulesSync.Runner.Connectors.Crm;
using RulesSync.Runner.Connectors.Google;
using RulesSync.Runner.Connectors.Graph;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Reads <c>rulesync.yaml</c> into <see cref="RunnerOptions"/> through Microsoft.Extensions.Options: the YAML is
/// parsed with locations (the rule files' parser: no anchors, tags or duplicate keys), flattened into
/// configuration keys, checked for unknown keys, bound, overlaid with the RULESYNC_* secrets from the environment
/// and validated (<see cref="RunnerOptionsValidator"/>). Every problem is reported as <c>file:line:col: error: text</c>
/// in one <see cref="ConfigurationException"/>; nothing is applied. An unusable file is <see cref="InputFileException"/>.
/// </summary>
internal static partial class RunnerConfigurationLoader
{
    private const int MaxBytes = InputFile.MaxTextBytes;

    /// <summary>Loads and validates the config file at <paramref name="path"/>; <paramref name="environment"/> reads secrets (default: the process environment).</summary>
    public static RunnerOptions Load(string path, Func<string, string?>? environment = null)
    {
        // At most MaxBytes + 1 bytes are read, whatever the path is (a device or a pipe reports length 0).
        var text = InputFile.ReadText(path, "config file", MaxBytes);
        return Parse(path, text, Path.GetDirectoryName(Path.GetFullPath(path))!, environment ?? System.Environment.GetEnvironmentVariable);
    }

    /// <summary>Parses config text named <paramref name="source"/>; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static RunnerOptions Parse(string source, string text, string baseDirectory, Func<string, string?> environment)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw Failure([$"{source}:{e.Start.Line}:{e.Start.Column}: error: malformed YAML: {MarkPrefix().Replace(e.InnerException?.Message ?? e.Message, string.Empty)}"]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // YamlDotNet's scanner throws these on some malformed input (and ArgumentException on a duplicate key).
            throw Failure([$"{source}:1:1: error: malformed YAML: {e.Message}"]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode map)
        {
            var at = stream.Documents.Count > 0 ? At(source, stream.Documents[^1].RootNode) : $"{source}:1:1";
            throw Failure([$"{at}: error: the config file must be one YAML document: a map of settings"]);
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var locations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [string.Empty] = At(source, map) };
        var errors = new List<string>();
        Flatten(source, map, typeof(RunnerOptions), string.Empty, values, locations, errors);
        if (errors.Count > 0)
        {
            throw Failure(errors);
        }

        // Every environment value is read under the secrets' cap, and only its name is ever reported.
        environment = Capped(environment);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddOptions<RunnerOptions>()
            .Bind(configuration)
            .PostConfigure(o => Complete(o, baseDirectory, environment));
        services.AddSingleton<IValidateOptions<RunnerOptions>, RunnerOptionsValidator>();
        using var provider = services.BuildServiceProvider();
        try
        {
            var options = provider.GetRequiredService<IOptions<RunnerOptions>>().Value;
            var secretErrors = RunnerSecrets.Check(options);
            return secretErrors.Count == 0 ? options : throw Failure(secretErrors.Select(f => Locate(source, f, locations)));
        }
        catch (OptionsValidationException e)
        {
            throw Failure(e.Failures.Select(f => Locate(source, f, locations)));
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key it could not convert: "Failed to convert configuration value at 'sync:interval' ...".
            var bound = BinderKey().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : string.Empty;
            var at = values.Keys.FirstOrDefault(k => string.Equals(k, bound, StringComparison.OrdinalIgnoreCase)) ?? bound;
            var value = values.TryGetValue(at, out var v) ? v : null;
            throw Failure([$"{LocationOf(source, at, locations)}: error: {at}: '{value}' is not a valid value{Expected(e)}"]);
        }
    }

    private static Func<string, string?> Capped(Func<string, string?> environment) =>
        name => InputFile.Environment(environment, name);

    private static string Expected(InvalidOperationException e) =>
        BinderType().Match(e.Message) is { Success: true } m ? $" (expected {PlainTypeName.Of(m.Groups[1].Value)})" : string.Empty;

    /// <summary>Defaults that depend on other settings, and the secrets from the environment (which win over the file).</summary>
    private static void Complete(RunnerOptions o, string baseDirectory, Func<string, string?> environment)
    {
        o.BaseDirectory = baseDirectory;
        var domains = o.Mailboxes.Select(m => m.Id).Where(id => id.Contains('@', StringComparison.Ordinal))
            .Select(id => id[(id.LastIndexOf('@') + 1)..].ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        o.Crm = ODataCrmOptions.FromEnvironment(environment, o.Crm) is var crm && crm.EmployeeDomains.Count == 0 ? crm with { EmployeeDomains = domains } : crm;
        if (o.Crm.ServiceRoot is { } root && !root.AbsoluteUri.EndsWith('/'))
        {
            o.Crm = o.Crm with { ServiceRoot = new Uri(root.AbsoluteUri + "/") };
        }

        var graph = GraphConnectorOptions.FromEnvironment(environment, o.Graph);
        o.Graph = graph with
        {
            EmployeeDomains = graph.EmployeeDomains.Count == 0 ? domains : graph.EmployeeDomains,
            WindowPast = o.Sync.WindowPast,
            WindowFuture = o.Sync.WindowFuture,
            CertificatePath = Resolve(graph.CertificatePath),
        };
        var google = GoogleConnectorOptions.FromEnvironment(environment, o.Google);
        o.Google = google with
        {
            ServiceAccountKeyPath = Resolve(google.ServiceAccountKeyPath),
            EmployeeDomains = google.EmployeeDomains.Count == 0 ? domains : google.EmployeeDomains,
            WindowPast = o.Sync.WindowPast,
            WindowFuture = o.Sync.WindowFuture,
        };
        o.Dashboard.OperatorToken = environment(RunnerOptions.OperatorTokenVariable) ?? o.Dashboard.OperatorToken;
        if (o.Cluster is { } cluster)
        {
            cluster.ConnectionString = environment(ClusterModeOptions.ConnectionStringVariable) ?? cluster.ConnectionString;
        }

        o.Push.CertificatePath = Resolve(o.Push.CertificatePath);
        o.Push.CertificatePassword = environment("RULESYNC_PUSH_CERTIFICATE_PASSWORD") ?? o.Push.CertificatePassword;

        // Key and certificate files, like the state file, are found beside the config, not in the current directory.
        string? Resolve(string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, baseDirectory);
    }

    /// <summary>Turns the YAML tree into configuration keys, refusing keys no setting has.</summary>
    private static void Flatten(
        string source, YamlNode node, Type? type, string path, Dictionary<string, string?> values, Dictionary<string, string> locations, List<string> errors)
    {
        locations.TryAdd(path, At(source, node));
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (keyNode, value) in map.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                    var child = path.Length == 0 ? key : path + ":" + key;
                    Type? childType = null;
                    if (type is not null && DictionaryValueType(type) is { } valueType)
                    {
                        childType = valueType;
                    }
                    else if (type is not null && !IsScalar(type))
                    {
                        var property = Settable(type).FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
                        if (property is null)
                        {
                            var known = string.Join(", ", Settable(type).Select(p => Camel(p.Name)));
                            errors.Add($"{At(source, keyNode)}: error: unknown setting '{key}'{(path.Length == 0 ? string.Empty : $" under '{path}'")}; expected one of: {known}");
                            continue;
                        }

                        childType = property.PropertyType;
                    }
                    else if (type is not null)
                    {
                        errors.Add($"{locations[path]}: error: '{path}' takes a single value, not a map");
                        continue;
                    }

                    locations[child] = At(source, keyNode);
                    Flatten(source, value, childType, child, values, locations, errors);
                }

                break;
            case YamlSequenceNode seq:
                var itemType = type is null ? null : ItemType(type);
                if (type is not null && itemType is null)
                {
                    errors.Add($"{locations[path]}: error: '{path}' takes {(IsScalar(type) ? "a single value" : "a map")}, not a list");
                    break;
                }

                for (var i = 0; i < seq.Children.Count; i++)
                {
                    Flatten(source, seq.Children[i], itemType, path + ":" + i.ToString(CultureInfo.InvariantCulture), values, locations, errors);
                }

                break;
            case YamlScalarNode scalar:
                var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null";
                if (type is not null && !IsScalar(type) && !isNull)
                {
                    errors.Add($"{locations[path]}: error: '{path}' takes {(ItemType(type) is null ? "a map of settings" : "a list")}, not a single value");
                    break;
                }

                values[path] = isNull ? null : scalar.Value;
                break;
            default:
                break;
        }
    }

    private static string At(string source, YamlNode node) => $"{source}:{node.Start.Line}:{node.Start.Column}";

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan)
            || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(Uri) || t == typeof(Guid);
    }

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var d
        && (d == typeof(IReadOnlyDictionary<,>) || d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? ItemType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) || DictionaryValueType(type) is not null)
        {
            return null;
        }

        return type.IsGenericType ? type.GetGenericArguments()[0] : null;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>A validator failure is <c>key: message</c>; it is reported at the key's line (or its nearest parent's).</summary>
    private static string Locate(string source, string failure, Dictionary<string, string> locations)
    {
        var colon = failure.IndexOf(": ", StringComparison.Ordinal);
        var key = colon > 0 ? failure[..colon] : string.Empty;
        return $"{LocationOf(source, key, locations)}: error: {failure}";
    }

    private static string LocationOf(string source, string key, Dictionary<string, string> locations)
    {
        for (var k = key; ; k = k[..k.LastIndexOf(':')])
        {
            if (locations.TryGetValue(k, out var at))
            {
                return at;
            }

            if (!k.Contains(':', StringComparison.Ordinal))
            {
                return locations.TryGetValue(string.Empty, out var top) ? top : $"{source}:1:1";
            }
        }
    }

    private static ConfigurationException Failure(IEnumerable<string> errors) => new(string.Join(Environment.NewLine, errors));

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", RegexOptions.CultureInvariant)]
    private static partial Regex MarkPrefix();

    [GeneratedRegex("at '([^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex BinderKey();

    [GeneratedRegex("to type '([^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex BinderType();
}
