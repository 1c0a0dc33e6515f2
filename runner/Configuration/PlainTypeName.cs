namespace RulesSync.Runner.Configuration;

/// <summary>
/// A .NET type named in a parser or binder message, in plain words ("a whole number", "one of: exchange, google"):
/// the config loader's binding errors and the CLI's argument errors both say what was expected without type names.
/// </summary>
internal static class PlainTypeName
{
    /// <summary>The plain words for <paramref name="type"/>, a full type name as .NET messages print it.</summary>
    public static string Of(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "a whole number",
        "System.UInt32" or "System.UInt64" or "System.UInt16" => "a whole number of 0 or more",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration (hh:mm:ss)",
        "System.IO.FileInfo" or "System.String" => "a file name",
        _ => EnumValues(type) is { } values ? $"one of: {values}" : "a valid value",
    };

    private static string? EnumValues(string type)
    {
        var name = type.TrimEnd('?');
        var found = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("RulesSync", StringComparison.Ordinal) == true)
            .Select(a => a.GetType(name, throwOnError: false))
            .FirstOrDefault(t => t is { IsEnum: true });
        return found is null ? null : string.Join(", ", Enum.GetNames(found).Select(n => n.ToLowerInvariant()));
    }
}
