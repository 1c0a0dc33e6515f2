using System.Text.Json;
using System.Text.Json.Serialization;
using RulesSync.Engine.Meetings;

namespace RulesSync.Engine.Sync;

/// <summary>
/// JSON for <see cref="MailboxSyncState"/>, as the runner persists it per mailbox (and an Orleans grain later):
/// camelCase, a UID as its plain string. Round-trips exactly. Thread-safe.
/// </summary>
public static class SyncStateJson
{
    /// <summary>The serializer options for sync state.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new MeetingUidConverter() },
    };

    /// <summary>Writes the state as JSON.</summary>
    public static string Serialize(MailboxSyncState state) => JsonSerializer.Serialize(state, Options);

    /// <summary>Reads a state written by <see cref="Serialize"/>.</summary>
    public static MailboxSyncState Deserialize(string json) =>
        JsonSerializer.Deserialize<MailboxSyncState>(json, Options) ?? throw new JsonException("empty sync state");

    private sealed class MeetingUidConverter : JsonConverter<MeetingUid>
    {
        public override MeetingUid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.GetString() ?? throw new JsonException("a UID must be a string"));

        public override void Write(Utf8JsonWriter writer, MeetingUid value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }
}
