namespace RulesSync.Tests.Shared;

/// <summary>
/// A rule set whose only destructive rule (the organizer's cancellation reaches the CRM) has no fixture: the mutation
/// tests of the simulator (<c>MutationTestingTests</c>) and of the CLI (<c>MutateCommandTests</c>) both start from it.
/// Linked into both test projects (tests/Directory.Build.props).
/// </summary>
internal static class UnpinnedCancelRuleSet
{
    /// <summary>The rule set's YAML.</summary>
    public const string Yaml = """
        name: unpinned
        hitPolicy: first
        rules:
          - name: organizer-cancel
            because: the organizer cancelled
            when: { source: mailbox, role: organizer, kind: cancelled }
            decide: cancel
            target: crm
          - name: rest
            because: nothing else
            when: {}
            decide: ignore
        """;
}
