using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using RulesSync.Engine.Changes;
using RulesSync.Engine.Decisions;
using RulesSync.Engine.Sync;

namespace RulesSync.Runner.State;

/// <summary>
/// Effects and facts as the journal stores them: an effect as <c>{"kind": "CancelEvent", "effect": {...}}</c>
/// (the engine's own JSON options, so a held effect is carried out exactly as planned once approved). What an effect
/// is and how it reads in words is the engine's (<see cref="EffectTraits"/>).
/// </summary>
internal static class EffectCodec
{
    private static readonly FrozenDictionary<string, Type> Kinds = typeof(Effect).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Effect)) && !t.IsAbstract)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public static string Kind(Effect effect) => EffectTraits.Kind(effect);

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
