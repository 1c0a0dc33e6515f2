namespace RulesSync.Runner.Tenant;

/// <summary>An action that is valid in general but not in the current state, e.g. approving an effect already discarded (HTTP 409). The message is shown to the operator.</summary>
public sealed class OperatorConsoleConflictException(string message) : Exception(message);
