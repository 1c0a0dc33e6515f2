using RulesSync.Emulators.Faults;

namespace RulesSync.Emulators.Hosting;

/// <summary>A matched route: its counter name, the mailbox it acts on (if any), and its handler.</summary>
internal sealed record EmulatorRoute(string Name, string? Mailbox, Func<EmulatorRequest, CancellationToken, ValueTask<EmulatorResponse>> Handle)
{
    public static EmulatorRoute Sync(string name, string? mailbox, Func<EmulatorRequest, EmulatorResponse> handle) =>
        new(name, mailbox, (request, _) => ValueTask.FromResult(handle(request)));
}

/// <summary>One protocol (Graph, Google Calendar, CRM OData) served under a path prefix.</summary>
internal interface IProtocolEmulator
{
    bool Owns(string path);

    /// <summary>
    /// Checks the request's access token before anything else (no counting, no faults): the principal it acts as
    /// (Google: the impersonated mailbox), or the refusal in the protocol's own error shape.
    /// </summary>
    (string? Principal, EmulatorResponse? Error) Authorize(EmulatorRequest request) => (null, null);

    /// <summary>The route for a request, or an error response (404, 405) in the protocol's own error shape.</summary>
    (EmulatorRoute? Route, EmulatorResponse? Error) Match(EmulatorRequest request);

    /// <summary>What the real service answers for an injected fault, in its own error shape.</summary>
    EmulatorResponse FaultResponse(FaultRule fault, EmulatorRequest request);

    /// <summary>A 400 in the protocol's own error shape, for a request body or parameter the handler could not read.</summary>
    EmulatorResponse BadRequest(string message);
}
