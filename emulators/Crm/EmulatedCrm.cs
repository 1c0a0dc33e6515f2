namespace RulesSync.Emulators.Crm;

/// <summary>
/// The CRM behind the OData emulator, for tests, benchmarks and the demo to seed and to change
/// as CRM users would. Thread-safe.
/// </summary>
public sealed class EmulatedCrm
{
    private readonly CrmStore store;

    internal EmulatedCrm(CrmStore store) => this.store = store;

    /// <summary>Creates an appointment or visit.</summary>
    public CrmActivity Add(CrmActivityDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (store.Gate)
        {
            return store.Add(draft);
        }
    }

    /// <summary>Changes a record as a CRM user would; its last-change time and ETag move.</summary>
    public CrmActivity Update(CrmActivityKind kind, string objectId, Func<CrmActivity, CrmActivity> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (store.Gate)
        {
            var current = store.Get(kind, objectId) ?? throw new InvalidOperationException($"No {kind} {objectId}.");
            return store.Replace(change(current) with { ObjectID = current.ObjectID, Kind = kind });
        }
    }

    /// <summary>Deletes a record: it just vanishes, as in C4C, where a change poll cannot see deletions.</summary>
    public bool Delete(string objectId)
    {
        lock (store.Gate)
        {
            return store.Remove(objectId);
        }
    }

    /// <summary>One record, or null.</summary>
    public CrmActivity? Get(CrmActivityKind kind, string objectId)
    {
        lock (store.Gate)
        {
            return store.Get(kind, objectId);
        }
    }

    /// <summary>All records of a kind, in creation order.</summary>
    public IReadOnlyList<CrmActivity> All(CrmActivityKind kind)
    {
        lock (store.Gate)
        {
            return [.. store.All(kind)];
        }
    }

    /// <summary>
    /// Changes the JSON of one record as every read serves it from now on (a field dropped, nulled or mistyped), so
    /// tests can feed each malformed shape a real tenant might send.
    /// </summary>
    public void Tamper(string objectId, Action<System.Text.Json.Nodes.JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (store.Gate)
        {
            store.Tampered[objectId] = change;
        }
    }

    /// <summary>Whether writes need a CSRF token; off, the service hands none out and accepts writes without one (stock SAP CAP).</summary>
    public bool CsrfProtection
    {
        get
        {
            lock (store.Gate)
            {
                return store.CsrfProtection;
            }
        }

        set
        {
            lock (store.Gate)
            {
                store.CsrfProtection = value;
            }
        }
    }

    /// <summary>Every CSRF token issued so far stops working (the session expired).</summary>
    public void ExpireCsrfTokens()
    {
        lock (store.Gate)
        {
            store.ExpireCsrfTokens();
        }
    }
}
