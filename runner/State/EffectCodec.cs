using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.State;

/// <summary>
/// Effects and facts as the journal stores them: an effect as <c>{"kind": "CancelEvent", "effect": {...}}</c>
/// (the engine's own JSON options, so a held effect is carried out exactly as planned once approved), and in words.
/// </summary>
internal static class EffectCodec
{
    private static readonly FrozenDictionary<string, Type> Kinds = typeof(Effect).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Effect)) && !t.IsAbstract)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public static string Kind(Effect effect) => effect.GetType().Name;

    public static string Encode(Effect effect) => new JsonObject
    {
        ["kind"] = Kind(effect),
        ["effect"] = JsonSerializer.SerializeToNode(effect, effect.GetType(), SyncStateJson.Options),
    }.ToJsonString();

    public static Effect Decode(string payload)
    {
        var node = JsonNode.Parse(payload) as JsonObject ?? throw new JsonException("an effect payload must be an object");
        var kind = node["kind"]?.GetValue<string>() ?? throw new JsonException("an effect payload names no kind");
        var type = Kinds.TryGetValue(kind, out var t) ? t : throw new JsonException($"unknown effect kind '{kind}'");
        return (Effect)(node["effect"].Deserialize(type, SyncStateJson.Options) ?? throw new JsonException("an effect payload holds no effect"));
    }

    /// <summary>Whether carrying out the effect deletes or cancels something (what the mass-change guard counts).</summary>
    public static bool IsDestructive(Effect effect) =>
        effect is DeleteCrmRecord or CancelCrmRecord or DeleteEvent or CancelEvent
        || (effect is UpdateCrmRecord { Content.Cancelled: true });

    /// <summary>The effect in words, for the journal and operators.</summary>
    public static string Describe(Effect effect) => effect switch
    {
        CreateCrmRecord e => $"create a CRM record '{e.Content.Subject}' from event {e.EventId}",
        UpdateCrmRecord { Content.Cancelled: true } e => $"cancel CRM record {e.ObjectId} (with the replica's content)",
        UpdateCrmRecord e => $"update CRM record {e.ObjectId}{(e.RelinkTo is null ? string.Empty : $" and link it to event {e.RelinkTo}")}",
        CancelCrmRecord e => $"cancel CRM record {e.ObjectId}",
        DeleteCrmRecord e => $"delete CRM record {e.ObjectId}",
        CreateEvent e => $"create the meeting '{e.Content.Subject}' from CRM record {e.ObjectId} (attendees are invited)",
        UpdateEvent e => $"update event {e.EventId} (attendees get an update)",
        CancelEvent e => $"cancel event {e.EventId} (attendees get a cancellation)",
        DeleteEvent e => $"remove event {e.EventId} without notifying anyone",
        LinkReplica e => $"link event {e.EventId} to CRM record {e.ObjectId}",
        UnlinkReplica e => $"unlink CRM record {e.ObjectId}",
        HeldEffect e => $"not done: {e.Intended} ({e.Reason})",
        _ => Kind(effect),
    };

    /// <summary>The facts as <c>name=value</c> pairs, in catalogue order.</summary>
    public static string Facts(in ChangeFacts facts)
    {
        var parts = new string[FactCatalog.All.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = FactCatalog.All[i].Name + "=" + FactCatalog.All[i].ValueOf(in facts);
        }

        return string.Join(' ', parts);
    }
}
