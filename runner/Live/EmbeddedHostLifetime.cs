using Microsoft.Extensions.Hosting;

namespace RulesSync.Runner.Live;

/// <summary>
/// The lifetime of a web server embedded in the runner (the dashboard, the push receiver): the runner's host owns
/// process signals, so such a server only starts and stops when told.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
