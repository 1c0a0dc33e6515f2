using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Npgsql;

namespace RulesSync.Runner.Tests;

/// <summary>
/// One private PostgreSQL server for the whole test run: <c>initdb</c> in a temp folder, <c>postgres</c> on a free
/// 127.0.0.1 port (no Unix socket), a random password for the <c>rulesync</c> superuser. Debian's binaries live in
/// <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, off PATH, so they are found by path first (scripts/install-test-deps
/// installs the package). PostgreSQL refuses to run as root: when the tests run as root, initdb and the server run as
/// the package's non-root <c>postgres</c> user through <c>setpriv</c>, which execs (so the process we start is the
/// postmaster itself, and it is stopped by that PID). Test classes share the server and each take a database of their
/// own (<see cref="CreateDatabaseAsync"/>), so they still run in parallel. Stopped (fast shutdown) when the test
/// process exits.
/// </summary>
internal sealed class PostgresServer
{
    private const string Superuser = "rulesync";

    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(() => StartAsync(durableCommits: false, DefaultMaxConnections), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The servers' <c>max_connections</c> unless a test asks for fewer.</summary>
    public const int DefaultMaxConnections = 300;
    private static int databases;

    private readonly string dataFolder;
    private readonly string password;
    private readonly (string Name, (int Uid, int Gid) Ids)? runAs;
    private readonly System.Text.StringBuilder log = new();
    private Process postmaster;
    private bool durable;
    private int maxConnections = DefaultMaxConnections;

    private PostgresServer(Process postmaster, string dataFolder, int port, string password, (string Name, (int Uid, int Gid) Ids)? runAs)
    {
        this.postmaster = postmaster;
        this.dataFolder = dataFolder;
        this.password = password;
        this.runAs = runAs;
        Port = port;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The postmaster's process id.</summary>
    public int Pid => postmaster.Id;

    /// <summary>The run's server, started on first use.</summary>
    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    /// <summary>
    /// A server of the caller's own, for a test that stops and restarts it (<see cref="StopKeepingData"/>,
    /// <see cref="RestartAsync"/>) without disturbing the classes that share the run's server. Stopped by its PID when
    /// the caller says so (<see cref="Stop"/>) or the test process exits. It commits durably against a crash of the
    /// server process (<c>synchronous_commit=on</c>: the WAL reaches the OS before a commit returns; <c>fsync</c> stays
    /// off, the OS does not crash here); the shared one trades that for speed.
    /// </summary>
    /// <param name="maxConnections">The server's <c>max_connections</c> (a test of a server running out of them asks for few).</param>
    public static Task<PostgresServer> StartPrivateAsync(int maxConnections = DefaultMaxConnections) => StartAsync(durableCommits: true, maxConnections);

    /// <summary>A connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = Port,
        Username = Superuser,
        Password = password,
        Database = database,
        Pooling = true,
        MaxPoolSize = 20,
        Timeout = 30,
        CommandTimeout = 60,
    }.ConnectionString;

    /// <summary>Creates a fresh, empty database named after <paramref name="purpose"/> and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"t{Interlocked.Increment(ref databases)}_{new string([.. purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40)])}";
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private static async Task<PostgresServer> StartAsync(bool durableCommits, int maxConnections)
    {
        var bin = FindBinaries();
        var runAs = RunAs();
        RemoveAbandonedFolders();
        var folder = Path.Combine(Path.GetTempPath(), $"rulesync-pg-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
        var password = RandomNumberGenerator.GetHexString(32, lowercase: true);

        // initdb creates the folder itself (as the server's user), with the modes PostgreSQL insists on. The password
        // reaches it in a file only the server's user can read, deleted right after.
        var passwordFile = folder + ".pw";
        File.WriteAllText(passwordFile, password + "\n");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (runAs is not null)
        {
            var (uid, gid) = runAs.Value.Ids;
            if (Chown(passwordFile, uid, gid) != 0)
            {
                throw new InvalidOperationException($"chown {passwordFile} to {runAs.Value.Name} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }

        var initdb = Start(runAs?.Name, Path.Combine(bin, "initdb"),
            ["-D", folder, "-U", Superuser, $"--pwfile={passwordFile}", "--auth-host=scram-sha-256", "--auth-local=reject", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
        var initOutput = initdb.StandardOutput.ReadToEndAsync();
        var initErrors = initdb.StandardError.ReadToEndAsync();
        await initdb.WaitForExitAsync();
        File.Delete(passwordFile);
        if (initdb.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed (exit {initdb.ExitCode}): {await initErrors}{await initOutput}");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var server = new PostgresServer(null!, folder, port, password, runAs) { durable = durableCommits, maxConnections = maxConnections };
            server.postmaster = server.Launch();
            if (await server.WaitUntilReadyAsync())
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                return server;
            }

            server.Stop(deleteFolder: false);
            if (attempt == 3)
            {
                var text = server.Log;
                Directory.Delete(folder, recursive: true);
                throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1 (three ports tried): {text}");
            }
        }
    }

    /// <summary>
    /// Stops the server by its PID the way a crash would (SIGQUIT: immediate shutdown, no checkpoint; the next start
    /// recovers from the WAL), keeping its data for <see cref="RestartAsync"/>.
    /// </summary>
    public void StopKeepingData() => Stop(deleteFolder: false);

    /// <summary>Starts the stopped server again on its folder and port (clients reconnect to the same address).</summary>
    public async Task RestartAsync()
    {
        if (!postmaster.HasExited)
        {
            throw new InvalidOperationException("the server is running");
        }

        postmaster.Dispose();
        postmaster = Launch();
        if (!await WaitUntilReadyAsync())
        {
            throw new InvalidOperationException($"PostgreSQL did not restart on 127.0.0.1:{Port}: {Log}");
        }
    }

    private string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    private Process Launch()
    {
        var process = Start(runAs?.Name, Path.Combine(FindBinaries(), "postgres"),
        [
            "-D", dataFolder, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", durable ? "synchronous_commit=on" : "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", $"max_connections={maxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning",
        ]);
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Connects until the server answers (the port may have been taken meanwhile: then the postmaster exits).</summary>
    private async Task<bool> WaitUntilReadyAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            if (postmaster.HasExited)
            {
                return false;
            }

            try
            {
                // Unpooled: a pooled connection from before a restart would answer "ready" without asking the server.
                await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false }.ConnectionString);
                await c.OpenAsync();
                return true;
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or IOException or TimeoutException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }

    /// <summary>
    /// Immediate shutdown (SIGQUIT) of the postmaster by its PID, then the folder is deleted: the data is thrown away,
    /// so no checkpoint is worth waiting for (the test host gives exit handlers little time).
    /// </summary>
    public void Stop(bool deleteFolder = true)
    {
        if (!postmaster.HasExited)
        {
            _ = Kill(postmaster.Id, SigQuit);
            if (!postmaster.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                postmaster.Kill();
                postmaster.WaitForExit();
            }
        }

        if (deleteFolder && Directory.Exists(dataFolder))
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    private const int SigQuit = 3;

    /// <summary>
    /// Folders of earlier runs whose test process is gone (killed before its exit handler ran). A postmaster still
    /// running in one is left alone: PostgreSQL's own postmaster.pid names it, and it may belong to a live run.
    /// </summary>
    private static void RemoveAbandonedFolders()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "rulesync-pg-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length != 4 || !int.TryParse(parts[2], out var owner) || Directory.Exists($"/proc/{owner}")
                || (File.Exists(Path.Combine(dir, "postmaster.pid")) && int.TryParse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).FirstOrDefault(), out var pm) && Directory.Exists($"/proc/{pm}")))
            {
                continue;
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run may be cleaning it up at the same moment; it is only a temp folder.
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    private static Process Start(string? runAs, string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs is null)
        {
            info.FileName = program;
        }
        else
        {
            // setpriv execs the program, so the process started here is the program itself.
            info.FileName = File.Exists("/usr/bin/setpriv") ? "/usr/bin/setpriv" : "setpriv";
            foreach (var a in new[] { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--" })
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add(program);
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>The newest installed server's binaries: Debian's versioned folders first, then PATH.</summary>
    private static string FindBinaries()
    {
        const string Debian = "/usr/lib/postgresql";
        if (Directory.Exists(Debian))
        {
            var newest = Directory.GetDirectories(Debian)
                .Select(d => (Folder: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => File.Exists(Path.Combine(d.Folder, "initdb")) && File.Exists(Path.Combine(d.Folder, "postgres")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Folder is not null)
            {
                return newest.Folder;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("PostgreSQL's initdb and postgres were not found (/usr/lib/postgresql/<version>/bin or PATH): run scripts/install-test-deps");
    }

    /// <summary>Null when the tests do not run as root; else the non-root user the server runs as, with its uid and gid.</summary>
    private static (string Name, (int Uid, int Gid) Ids)? RunAs()
    {
        if (Environment.UserName != "root")
        {
            return null;
        }

        var user = Environment.GetEnvironmentVariable("RULESYNC_TEST_PG_USER") ?? "postgres";
        var entry = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 3 && f[0] == user)
            ?? throw new InvalidOperationException($"the tests run as root and PostgreSQL may not: no '{user}' user to run it as (scripts/install-test-deps installs Debian's postgresql, which creates it)");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return (user, (int.Parse(entry[2], invariant), int.Parse(entry[3], invariant)));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
