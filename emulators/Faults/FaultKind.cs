namespace RulesSync.Emulators.Faults;

/// <summary>What an injected fault does to a matching request.</summary>
public enum FaultKind
{
    /// <summary>429 Too Many Requests with a Retry-After header (Graph, Google, CRM).</summary>
    Throttle,

    /// <summary>403 rate limit (Google's <c>usageLimits</c>/<c>userRateLimitExceeded</c>); 403 elsewhere.</summary>
    RateLimitForbidden,

    /// <summary>503 Service Unavailable with a Retry-After header.</summary>
    Unavailable,

    /// <summary>Hold the request for <see cref="FaultRule.Delay"/> (on the host's TimeProvider), then answer 504.</summary>
    Timeout,

    /// <summary>Hold the request for <see cref="FaultRule.Delay"/>, then answer normally.</summary>
    SlowResponse,

    /// <summary>The sync cursor is no longer valid: Graph 410 SyncStateNotFound, Google 410 fullSyncRequired.</summary>
    ExpiredToken,

    /// <summary>200 with a body that is not valid JSON.</summary>
    MalformedJson,

    /// <summary>
    /// A list page holds at most <see cref="FaultRule.PageSize"/> items (0: none) yet still links
    /// to the next page, as the providers may do: a client that takes a short page for the end
    /// loses data. Applies to Graph delta/list, Google events.list and CRM queries.
    /// </summary>
    ShortPage,

    /// <summary>The body is cut off in transit: fewer bytes than Content-Length, then the connection drops.</summary>
    TruncatedBody,

    /// <summary>
    /// The request is carried out, then its answer is held for <see cref="FaultRule.Delay"/> and replaced by the
    /// protocol's 504: the write happened but the client cannot tell (it usually gives up first).
    /// </summary>
    LostAnswer,

    /// <summary>
    /// The delta state is gone, in Graph's 400 form: <c>syncStateNotFound</c> ("The sync state generation is not
    /// found..."), as Graph answers for expired delta links of some resources; Google answers it as 410
    /// <c>fullSyncRequired</c>.
    /// </summary>
    SyncStateNotFound,
}
