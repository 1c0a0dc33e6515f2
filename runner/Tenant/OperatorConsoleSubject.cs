namespace RulesSync.Runner.Tenant;

/// <summary>What kind of thing an operator named that the runner does not know.</summary>
public enum OperatorConsoleSubject
{
    Mailbox,
    HeldEffect,
}
