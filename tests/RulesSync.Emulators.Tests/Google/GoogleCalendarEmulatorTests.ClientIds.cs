using System.Net;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Organization;
using static RulesSync.Emulators.Tests.Hosting.TestHost;

namespace RulesSync.Emulators.Tests.Google;

/// <summary>
/// Client-chosen event ids on insert (Events resource, <c>id</c>: base32hex a-v and 0-9, 5 to 1024 characters,
/// unique per calendar): an invalid id is 400 "Invalid resource id value.", a repeated one 409 "duplicate"
/// (errors guide envelope).
/// </summary>
public sealed partial class GoogleCalendarEmulatorTests
{
    private const string ClientId = "0123456789abcdefghijklmnopqrstuv";

    private static JsonObject WithId(JsonObject e, string id)
    {
        e["id"] = id;
        return e;
    }

    [Fact]
    public async Task Insert_ClientId_IsTheEventIdAndItsUidIsDerivedFromIt()
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine", Dave), ClientId));
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ClientId, created["id"]!.GetValue<string>());
        Assert.Equal(ClientId + "@google.com", created["iCalUID"]!.GetValue<string>());
        Assert.Equal(ClientId, (await GetAsync(t, Events(Carol, "/" + ClientId)))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Insert_SameClientIdTwice_Answers409DuplicateAndInvitesOnce()
    {
        await using var t = await StartAsync();
        using (var first = await SendAsync(t, HttpMethod.Post, Events(Carol, "?sendUpdates=all"), WithId(NewEvent("Mine", Alice), ClientId)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var again = await SendAsync(t, HttpMethod.Post, Events(Carol, "?sendUpdates=all"), WithId(NewEvent("Mine", Alice), ClientId));
        var error = JsonNode.Parse(await again.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(409, error["code"]!.GetValue<int>());
        Assert.Equal("The requested identifier already exists.", error["message"]!.GetValue<string>());
        var detail = error["errors"]![0]!;
        Assert.Equal("global", detail["domain"]!.GetValue<string>());
        Assert.Equal("duplicate", detail["reason"]!.GetValue<string>());
        Assert.Single(t.Host.Organization.Calendar(Carol));
        Assert.Single(t.Host.Organization.Messages, m => m.Kind == MessageKind.Invitation);
    }

    [Fact]
    public async Task Insert_ClientIdOfADeletedEvent_Answers409()
    {
        await using var t = await StartAsync();
        using (var first = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine"), ClientId)))
        using (var deleted = await SendAsync(t, HttpMethod.Delete, Events(Carol, "/" + ClientId)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var again = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine"), ClientId));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("cancelled", (await GetAsync(t, Events(Carol, "/" + ClientId)))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Insert_SameClientIdInAnotherCalendar_IsAnotherEvent()
    {
        await using var t = await StartAsync();

        using var carol = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine"), ClientId));
        using var dave = await SendAsync(t, HttpMethod.Post, Events(Dave), WithId(NewEvent("Mine"), ClientId));

        Assert.Equal(HttpStatusCode.OK, carol.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dave.StatusCode);
    }

    [Theory]
    [InlineData("abcd")]
    [InlineData("abcdw")]
    [InlineData("ABCDE")]
    [InlineData("abc-def")]
    [InlineData("abc_def")]
    public async Task Insert_InvalidClientId_Answers400InvalidResourceIdAndCreatesNothing(string id)
    {
        await using var t = await StartAsync();

        using var response = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine", Dave), id));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, error["code"]!.GetValue<int>());
        Assert.Equal("Invalid resource id value.", error["message"]!.GetValue<string>());
        Assert.Equal("invalid", error["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Empty(t.Host.Organization.Calendar(Carol));
        Assert.Empty(t.Host.Organization.Calendar(Dave));
    }

    [Fact]
    public async Task Insert_ClientIdOfTheLongestAllowedLength_IsAcceptedAndOneLongerIsNot()
    {
        await using var t = await StartAsync();

        using var longest = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine"), new string('v', 1024)));
        using var tooLong = await SendAsync(t, HttpMethod.Post, Events(Carol), WithId(NewEvent("Mine"), new string('v', 1025)));

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }
}
