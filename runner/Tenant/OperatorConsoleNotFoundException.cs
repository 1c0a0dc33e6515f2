namespace RulesSync.Runner.Tenant;

/// <summary>An action named a mailbox or held effect the runner does not know (HTTP 404).</summary>
public sealed class OperatorConsoleNotFoundException(OperatorConsoleSubject subject, string id)
    : Exception($"No {(subject == OperatorConsoleSubject.Mailbox ? "mailbox" : "held effect")} with id '{id}'.")
{
    public OperatorConsoleSubject Subject { get; } = subject;
    public string Id { get; } = id;
}
