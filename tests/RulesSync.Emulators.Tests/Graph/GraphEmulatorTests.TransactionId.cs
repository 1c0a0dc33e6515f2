using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Organization;
using RulesSync.Emulators.Tests.Hosting;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Graph;

/// <summary>
/// The event's <c>transactionId</c> (event resource: "to avoid redundant POST operations in case of client retries
/// to create the same event"; "only returned in a response payload if an app has set it").
/// </summary>
public sealed partial class GraphEmulatorTests
{
    private static StringContent NewEvent(string subject, string? transactionId, params string[] attendees)
    {
        var body = new JsonObject
        {
            ["subject"] = subject,
            ["start"] = new JsonObject { ["dateTime"] = "2026-01-06T09:00:00", ["timeZone"] = "UTC" },
            ["end"] = new JsonObject { ["dateTime"] = "2026-01-06T10:00:00", ["timeZone"] = "UTC" },
            ["attendees"] = new JsonArray([.. attendees.Select(a => (JsonNode)new JsonObject
            {
                ["type"] = "required",
                ["emailAddress"] = new JsonObject { ["address"] = a },
            })]),
        };
        if (transactionId is not null)
        {
            body["transactionId"] = transactionId;
        }

        return new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
    }

    private static async Task<(HttpStatusCode Status, JsonObject Event)> CreateAsync(TestHost t, string mailbox, StringContent body)
    {
        using var response = await t.Http.PostAsync($"v1.0/users/{mailbox}/events", body);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task CreateEvent_SameTransactionIdTwice_Answers201WithTheFirstEventAndInvitesOnce()
    {
        await using var t = await StartAsync();

        var (firstStatus, first) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1", Bob, External));
        var (againStatus, again) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1", Bob, External));

        Assert.Equal(HttpStatusCode.Created, firstStatus);
        Assert.Equal(HttpStatusCode.Created, againStatus);
        Assert.Equal(first["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        Assert.Equal("tx-1", again["transactionId"]!.GetValue<string>());
        Assert.Single(t.Host.Organization.Calendar(Alice));
        Assert.Single(t.Host.Organization.Calendar(Bob));
        Assert.Equal([Bob, External], t.Host.Organization.Messages.Where(m => m.Kind == MessageKind.Invitation).Select(m => m.To).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CreateEvent_DifferentTransactionIds_CreatesTwoEvents()
    {
        await using var t = await StartAsync();

        var (_, first) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1", Bob));
        var (_, second) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-2", Bob));

        Assert.NotEqual(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        Assert.Equal(2, t.Host.Organization.Calendar(Alice).Count);
        Assert.Equal(2, t.Host.Organization.Messages.Count(m => m.Kind == MessageKind.Invitation));
    }

    [Fact]
    public async Task CreateEvent_SameTransactionIdInAnotherMailbox_IsAnotherEvent()
    {
        await using var t = await StartAsync();

        await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1"));
        await CreateAsync(t, Bob, NewEvent("Kick-off", "tx-1"));

        Assert.Single(t.Host.Organization.Calendar(Alice));
        Assert.Single(t.Host.Organization.Calendar(Bob));
    }

    [Fact]
    public async Task CreateEvent_WithoutTransactionId_PropertyIsNotReturnedAndRepeatsCreateAgain()
    {
        await using var t = await StartAsync();

        var (_, first) = await CreateAsync(t, Alice, NewEvent("Kick-off", null));
        await CreateAsync(t, Alice, NewEvent("Kick-off", null));

        Assert.False(first.ContainsKey("transactionId"));
        Assert.Equal(2, t.Host.Organization.Calendar(Alice).Count);
    }

    [Fact]
    public async Task CreateEvent_TransactionIdOfADeletedEvent_CreatesANewEvent()
    {
        await using var t = await StartAsync();
        var (_, first) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1"));
        using (var deleted = await t.Http.DeleteAsync($"v1.0/users/{Alice}/events/{first["id"]!.GetValue<string>()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var (status, again) = await CreateAsync(t, Alice, NewEvent("Kick-off", "tx-1"));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.NotEqual(first["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
    }
}
