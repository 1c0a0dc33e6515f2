using System.CommandLine;
using RulesSync.Runner.Cli;
using RulesSync.Runner.Configuration;
using RulesSync.Runner.State;
using RulesSync.Runner.Tenant;

namespace RulesSync.Runner.Cli.Operations;

/// <summary>
/// How an operator command finds the tenant's state: <c>--state PATH</c> (a LiteDB file), or <c>--config</c> (default
/// <c>rulesync.yaml</c>): its <c>stateFile</c>, or with a <c>cluster:</c> section the cluster's PostgreSQL database and
/// the tenant <c>--tenant</c> names (default: the config's). The file is opened shared and the database is shared, so
/// the commands work while <c>rulesync run</c> runs.
/// </summary>
internal sealed class StateFileOptions
{
    public Option<string> Config { get; } = new("--config") { Description = "The runner's config file (its stateFile, or its cluster's database, is used).", DefaultValueFactory = _ => "rulesync.yaml" };

    public Option<string?> State { get; } = new("--state") { Description = "The state file itself (instead of --config)." };

    public Option<string?> Tenant { get; } = new("--tenant") { Description = "The tenant, when the cluster holds several (default: the config's tenant)." };

    public void AddTo(Command command)
    {
        command.Add(Config);
        command.Add(State);
        command.Add(Tenant);
    }

    /// <summary>Opens the existing state (file or cluster tenant); a missing or unreadable one is invalid input (exit 2).</summary>
    public OperatorState Open(ParseResult parse, CliConsole console)
    {
        var tenant = parse.GetValue(Tenant);
        var file = parse.GetValue(State);
        var options = file is null ? RunnerConfigurationLoader.Load(parse.GetValue(Config)!, console.Environment) : null;
        try
        {
            if (options?.Cluster is { } cluster)
            {
                var name = tenant ?? options.Tenant;
                var store = PostgresStateStore.Open(cluster.ConnectionString!, name, create: false);
                return new OperatorState(store, store.Location, new ClusterTokens(cluster.ConnectionString!, cluster.ClusterId, name), console.Environment);
            }

            var local = StateStore.Open(file ?? options!.StatePath, create: false);
            if (tenant is not null && local.Tenant().Tenant is { } holds && holds != tenant)
            {
                local.Dispose();
                throw new InvalidInputException($"error: {local.Path} is tenant '{holds}''s state, not '{tenant}''s");
            }

            return new OperatorState(local, local.Path, Cluster: null, console.Environment);
        }
        catch (StateFileException e)
        {
            throw new InvalidInputException(e.Message);
        }
    }

    /// <summary>Who is acting: <c>--by</c>, or the OS user.</summary>
    public static Option<string> By() => new("--by") { Description = "Who is acting (recorded).", DefaultValueFactory = _ => Environment.UserName };

    internal static string When(DateTimeOffset? at) => at is { } t ? t.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-";
}

/// <summary>
/// The state an operator command acts on, and the token rules for acting on it. Against a LiteDB file, access to the
/// file is the authority (as before). Against the cluster database the dashboard's rules apply, with the token the
/// tenant's silos recorded: an action needs <c>RULESYNC_OPERATOR_TOKEN</c> to be the tenant's own operator token, and
/// a tenant without one is read-only; a refusal exits 2 with nothing applied.
/// </summary>
internal sealed record OperatorState(IStateStore Store, string Location, ClusterTokens? Cluster, Func<string, string?> Environment) : IDisposable
{
    /// <summary>The tenant's operations, once the token rules allow acting.</summary>
    /// <exception cref="InvalidInputException">Refused: no token recorded for the tenant, none given, or the wrong one.</exception>
    public TenantOperations Authorize()
    {
        var operations = new TenantOperations(Store, TimeProvider.System);
        if (Cluster is null)
        {
            return operations;
        }

        return Cluster.Check(Store.Tenant().OperatorTokenHash, Environment(RunnerOptions.OperatorTokenVariable)) switch
        {
            TokenCheck.Accepted => operations,
            TokenCheck.ReadOnly => throw new InvalidInputException($"error: refused: {Location} has no operator token: its operators may only read (configure dashboard.operatorToken for the tenant)"),
            TokenCheck.Missing => throw new InvalidInputException($"error: refused: this action needs the tenant's operator token in {RunnerOptions.OperatorTokenVariable}"),
            _ => throw new InvalidInputException($"error: refused: the operator token in {RunnerOptions.OperatorTokenVariable} is not {Location}'s"),
        };
    }

    public void Dispose() => Store.Dispose();
}

/// <summary>
/// The tokens in force for a cluster tenant: those its live silos carry (<see cref="Tenant.OperatorTokenRegistry"/>),
/// else the last recorded one.
/// </summary>
internal sealed record ClusterTokens(string ConnectionString, string ClusterId, string Tenant)
{
    public TokenCheck Check(string? lastRecordedHash, string? presented)
    {
        using var source = Npgsql.NpgsqlDataSource.Create(ConnectionString);
        return new Tenant.OperatorTokenRegistry(source, ClusterId).Check(Tenant, lastRecordedHash, presented);
    }
}
