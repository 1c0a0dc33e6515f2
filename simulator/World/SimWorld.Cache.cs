namespace RulesSync.Simulator.World;

/// <summary>What the explorer's sync cache (<see cref="Exploration.SyncCache"/>) needs of a world: shared stores, and a cached sync's result put in place.</summary>
internal sealed partial class SimWorld
{
    /// <summary>
    /// Gives up writing any store in place: the next write to a store copies it first (<see cref="MutableMailbox"/>,
    /// <see cref="MutableCrm"/>), so a store this world holds can be shared with others, and every write replaces one.
    /// </summary>
    public void ShareStores()
    {
        _ownsCrm = false;
        _ownedMailboxes = 0;
    }

    /// <summary>
    /// Puts in place what a sync of <paramref name="employee"/> left in the stores it may write: the CRM, the employee's
    /// mailbox and sync state, and its write count. The stores are shared with the cache (not owned).
    /// </summary>
    public void Adopt(int employee, CrmStore crm, MailboxStore mailbox, AgentView agent, int lastSyncWrites)
    {
        ShareStores();
        Crm = crm;
        Mailboxes[employee] = mailbox;
        Agents[employee] = agent;
        LastSyncWrites = lastSyncWrites;
    }
}
