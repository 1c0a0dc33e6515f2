namespace RulesSync.Engine.Decisions;

/// <summary>
/// What a rule decides about one observed change. Delete, cancel and unlink are deliberately distinct:
/// only <see cref="Cancel"/> may ever notify attendees.
/// </summary>
public enum DecisionAction : byte
{
    /// <summary>Do nothing; keep any correlation as it is.</summary>
    Ignore,

    /// <summary>Propagate the change to the target side (create or update its replica).</summary>
    Share,

    /// <summary>Remove the target side's record without notifying anyone.</summary>
    Delete,

    /// <summary>Cancel the meeting on the target side: in a mailbox, the organizer cancels and attendees are notified.</summary>
    Cancel,

    /// <summary>Forget the correlation between this replica and the CRM record; touch no store.</summary>
    Unlink,
}

/// <summary>The side a decision acts on.</summary>
public enum DecisionTarget : byte
{
    /// <summary>The side opposite to where the change was observed (the usual propagation direction).</summary>
    Opposite,

    /// <summary>The CRM record.</summary>
    Crm,

    /// <summary>The observing employee's own mailbox replica.</summary>
    Mailbox,
}

/// <summary>
/// One decision about one observed change: the action, the side it acts on, the rule that chose it, the
/// content hash of the rule set the rule came from, and an explanation in plain words. Immutable.
/// </summary>
/// <param name="Action">What to do.</param>
/// <param name="Target">The side to act on, resolved (never <see cref="DecisionTarget.Opposite"/> once decided).</param>
/// <param name="Rule">The name of the rule that chose the decision.</param>
/// <param name="RuleSetHash">The SHA-256 content hash of the rule set (lowercase hex).</param>
/// <param name="Explanation">Why, in the rule author's words.</param>
public sealed record Decision(
    DecisionAction Action,
    DecisionTarget Target,
    string Rule,
    string RuleSetHash,
    string Explanation)
{
    /// <summary>Resolves <see cref="DecisionTarget.Opposite"/> against where a change was observed.</summary>
    public static DecisionTarget Resolve(DecisionTarget target, Changes.ChangeSource source) => target switch
    {
        DecisionTarget.Opposite => source == Changes.ChangeSource.Mailbox ? DecisionTarget.Crm : DecisionTarget.Mailbox,
        _ => target,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Action.ToString().ToLowerInvariant()} {Target.ToString().ToLowerInvariant()} (rule {Rule})";
}
