using Microsoft.Extensions.Logging;

namespace RulesSync.Runner.Dashboard;

/// <summary>
/// The runner's logger factory as the dashboard's Kestrel host sees it: ASP.NET Core's own categories log warnings
/// and errors only. Without this every API request (the page re-reads five endpoints every few seconds) wrote four
/// information lines (request starting, endpoint executing, executed, request finished) into the runner's log.
/// The dashboard's own lines (operator actions, refusals, failures) are unaffected.
/// </summary>
internal sealed class QuietRequestLogging(ILoggerFactory inner) : ILoggerFactory
{
    private const string FrameworkPrefix = "Microsoft.AspNetCore";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(FrameworkPrefix, StringComparison.Ordinal) ? new WarningsOnly(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the runner; it is not disposed here.</summary>
    public void Dispose()
    {
    }

    private sealed class WarningsOnly(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
