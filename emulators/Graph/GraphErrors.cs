using System.Globalization;
using System.Text.Json.Nodes;
using RulesSync.Emulators.Faults;
using RulesSync.Emulators.Hosting;

namespace RulesSync.Emulators.Graph;

/// <summary>
/// Graph's error envelope: <c>{"error":{"code","message","innerError":{...}}}</c>
/// (https://learn.microsoft.com/en-us/graph/errors).
/// </summary>
internal static class GraphErrors
{
    public static EmulatorResponse Error(int status, string code, string message, DateTimeOffset now) =>
        EmulatorResponse.Json(status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = "00000000-0000-0000-0000-000000000000",
                },
            },
        });

    public static EmulatorResponse NotFound(DateTimeOffset now) =>
        Error(404, "ErrorItemNotFound", "The specified object was not found in the store.", now);

    public static EmulatorResponse BadRequest(string message, DateTimeOffset now) =>
        Error(400, "ErrorInvalidRequest", message, now);

    public static EmulatorResponse Fault(FaultRule fault, DateTimeOffset now)
    {
        var retryAfter = ((long)fault.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return fault.Kind switch
        {
            // https://learn.microsoft.com/en-us/graph/throttling: 429 with Retry-After in seconds.
            FaultKind.Throttle => Error(429, "TooManyRequests", "Please retry again later.", now).WithHeader("Retry-After", retryAfter),
            FaultKind.Unavailable => Error(503, "ServiceNotAvailable", "The service is temporarily unavailable.", now).WithHeader("Retry-After", retryAfter),
            FaultKind.RateLimitForbidden => Error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", now),
            FaultKind.Timeout => Error(504, "UnknownError", "Gateway timeout.", now),
            // https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset:
            // an expired delta token answers 410 Gone; the client must start a full synchronization.
            FaultKind.ExpiredToken => Error(410, "SyncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.", now),
            // https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/
            FaultKind.SyncStateNotFound => Error(400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.", now),
            _ => Error(500, "InternalServerError", "Injected fault.", now),
        };
    }
}
