namespace RulesSync.Runner.Notifications;

/// <summary>Keeps every notice in a list instead of sending it: for the demo's report and for tests. Thread-safe.</summary>
internal sealed class CollectingNotifier(List<OperatorNotice> notices) : IOperatorNotifier
{
    public ValueTask NotifyAsync(OperatorNotice notice, CancellationToken cancellationToken)
    {
        lock (notices)
        {
            notices.Add(notice);
        }

        return ValueTask.CompletedTask;
    }
}
