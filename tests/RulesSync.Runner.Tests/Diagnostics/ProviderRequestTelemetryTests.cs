using System.Net;
using RulesSync.Runner.Diagnostics;

namespace RulesSync.Runner.Tests.Diagnostics;

public sealed class ProviderRequestTelemetryTests
{
    [Theory]
    [InlineData(429, null, null, true)]
    [InlineData(503, "5", null, true)]
    [InlineData(503, null, null, false)]
    [InlineData(403, null, """{"error":{"errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded"}],"code":403}}""", true)]
    [InlineData(403, null, """{"error":{"errors":[{"domain":"usageLimits","reason":"rateLimitExceeded"}],"code":403}}""", true)]
    [InlineData(403, null, """{"error":{"errors":[{"domain":"calendar","reason":"forbiddenForNonOrganizer"}],"code":403}}""", false)]
    [InlineData(500, "5", null, false)]
    [InlineData(200, null, null, false)]
    public async Task IsThrottled_ProviderAnswers_CountsOnlyRateLimitRefusals(int status, string? retryAfter, string? body, bool throttled)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body ?? string.Empty) };
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        Assert.Equal(throttled, await ProviderRequestTelemetry.IsThrottledAsync(response, CancellationToken.None));

        // The body stays readable for the SDK that parses the error.
        Assert.Equal(body ?? string.Empty, await response.Content.ReadAsStringAsync());
    }
}
