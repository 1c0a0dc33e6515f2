using Google.Apis.Services;

namespace RulesSync.Runner.Connectors.Google;

/// <summary>
/// The Google Calendar API v3 as a Google.Apis service (the generated Google.Apis.Calendar.v3 package is not
/// available here): the base URI is configurable (<see cref="BaseClientService.Initializer.BaseUri"/>) so the same
/// client runs against the emulator. Requests are the <c>Events*Request</c> classes beside it.
/// </summary>
public sealed class CalendarV3Service : BaseClientService
{
    /// <summary>Google's endpoint.</summary>
    public const string DefaultBaseUri = "https://www.googleapis.com/calendar/v3/";

    /// <summary>The scope for reading and writing calendars.</summary>
    public const string CalendarScope = "https://www.googleapis.com/auth/calendar";

    /// <summary>Creates the service.</summary>
    public CalendarV3Service(Initializer initializer)
        : base(initializer) => BaseUri = GetEffectiveUri(BaseUriOverride, DefaultBaseUri);

    /// <inheritdoc />
    public override string Name => "calendar";

    /// <inheritdoc />
    public override string BaseUri { get; }

    /// <inheritdoc />
    public override string BasePath => "calendar/v3/";

    /// <inheritdoc />
    public override IList<string> Features => [];
}
