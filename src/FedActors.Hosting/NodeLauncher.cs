using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Cluster;
using FedActors.Core;
using FedActors.Hosting.Configuration;
using FedActors.Learning;

namespace FedActors.Hosting;

/// <summary>What <c>fedactors node</c> was asked to do: a run request plus this node's place in the cluster.</summary>
/// <param name="Role"><c>coordinator</c> or <c>client</c>; wins over <c>fedactors.cluster.role</c>.</param>
/// <param name="SeedNodes">Wins over <c>fedactors.cluster.seed-nodes</c> when not empty.</param>
/// <param name="Share">On a client node, host only share K of N of <c>fedactors.data.clients</c> (see <see cref="ClientShare"/>).</param>
/// <param name="Resume">On a coordinator, the run folder of a run to continue from its last checkpoint.</param>
public sealed record NodeRequest(
    RunRequest Run, string Role, IReadOnlyList<string> SeedNodes, string? Hostname, int? Port, ClientShare? Share = null, string? Resume = null)
{
    /// <summary>The run request with this node's flags as <c>--set</c> layers (which win over files).</summary>
    public RunRequest Layered()
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var sets = Run.Sets.ToList();
        sets.Add($"{ClusterSettings.Section}.role={Q(Role)}");
        if (SeedNodes.Count > 0) sets.Add($"{ClusterSettings.Section}.seed-nodes=[{string.Join(", ", SeedNodes.Select(Q))}]");
        if (Hostname is not null) sets.Add($"{ClusterSettings.Section}.hostname={Q(Hostname)}");
        if (Port is { } port) sets.Add($"{ClusterSettings.Section}.port={port.ToString(CultureInfo.InvariantCulture)}");
        return Run with { Sets = sets };
    }
}

/// <summary>
/// Share <paramref name="K"/> of <paramref name="N"/> of a federation's clients: those at positions K-1, K-1+N, K-1+2N, ...
/// in id order. N client nodes given shares 1..N with one config host every client exactly once.
/// </summary>
public sealed record ClientShare(int K, int N)
{
    /// <summary>Parses <c>K/N</c> (1 &lt;= K &lt;= N); throws <see cref="ConfigException"/> naming <c>--clients</c>.</summary>
    public static ClientShare Parse(string text)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && k >= 1 && k <= n)
            return new ClientShare(k, n);
        throw new ConfigException($"--clients {text}: expected K/N with 1 <= K <= N, e.g. 2/3");
    }

    public IReadOnlyList<ClientSpec> Of(IReadOnlyList<ClientSpec> clients) =>
        [.. clients.OrderBy(c => c.Id, StringComparer.Ordinal).Where((_, i) => i % N == K - 1)];
}

/// <summary>
/// <c>fedactors node</c>: the same experiment across processes. A coordinator node runs the experiment like
/// <c>fedactors run</c> (run folder, checkpoints, metrics, summary) over the clients that client nodes host; a client
/// node builds only its own clients (its <c>fedactors.data.clients</c>) from its local data and serves them until the
/// coordinator leaves or the process is told to stop. Data never leaves its node: only weights and metrics travel.
/// </summary>
public static class NodeLauncher
{
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Akka settings of a node under the user's <c>akka.*</c> keys. SIGTERM and Ctrl+C are this launcher's to handle (it
    /// ends the run or the serving, then leaves the cluster itself), not Akka's, which would stop the actor system
    /// under a running experiment.
    /// </summary>
    private static readonly Config NodeAkkaDefaults = ConfigurationFactory.ParseString("""
        akka.remote.log-remote-lifecycle-events = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);
    private static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs the node until its work is done; bad input throws <see cref="ConfigException"/> before the node joins.</summary>
    public static Task RunAsync(NodeRequest request, IRunOutput output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var run = request.Layered();
        Checkpoint? checkpoint = null;
        if (request.Resume is { } runDir)
        {
            if (request.Role != ClusterSettings.CoordinatorRole)
                throw new ConfigException("--resume: only a coordinator resumes a run; start client nodes as before");
            var config = System.IO.Path.Combine(runDir, "config.conf");
            if (!File.Exists(config)) throw new ConfigException($"--resume: '{runDir}' is not a run folder: {config} not found");
            checkpoint = Checkpoint.Read(runDir)
                ?? throw new ConfigException($"--resume: '{runDir}' has no checkpoint ({Checkpoint.PathIn(runDir)}): it stopped before its first round ended; start it again");
            // The run's own resolved config first; this node's flags and --set still win (a new host or port, say).
            run = run with { ConfigFiles = [config, .. run.ConfigFiles], OutDir = runDir };
        }
        var (loaded, settings) = RunLauncher.Prepare(run);
        var cluster = ReadCluster(loaded);
        return cluster.Role == ClusterSettings.CoordinatorRole
            ? CoordinateAsync(run, loaded, settings, cluster, checkpoint, output, ct)
            : HostClientsAsync(loaded, Share(settings, request.Share), output, ct);
    }

    /// <summary>
    /// What every node of one experiment must agree on, as a short text a client node announces with each client:
    /// the seed and a hash of the settings that decide how a client trains and is evaluated (model, phases, evaluation,
    /// data split, precision and memory format). The device, torch threads, data roots, engine, faults and cluster keys
    /// may differ from node to node.
    /// </summary>
    public static string Setup(LoadedConfig loaded, RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(settings);
        var reference = ConfigLoader.Reference();
        // model.init-from only shapes the coordinator's initial weights, and its path is local to a machine.
        var config = ConfigurationFactory.ParseString("fedactors.model.init-from = \"\"").WithFallback(loaded.Config);
        var text = new StringBuilder();
        foreach (var section in new[] { "model", "simclr", "heads", "supervised", "evaluation", "data.synthetic" })
            text.Append(HoconWriter.Write(config, reference, "fedactors." + section));
        foreach (var key in new[] { "image-size", "labeled-fraction", "eval-split" })
            text.Append(key).Append('=').Append(config.GetString("fedactors.data." + key)).Append('\n');
        // The number format and layout change what a fit computes (rounding, summation order), so they must agree too.
        foreach (var key in new[] { "precision", "memory-format" })
            text.Append(key).Append('=').Append(config.GetString("fedactors." + key)).Append('\n');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
        return string.Create(CultureInfo.InvariantCulture, $"seed {settings.Seed}, settings {hash}");
    }

    private static RunSettings Share(RunSettings settings, ClientShare? share)
    {
        if (share is null) return settings;
        if (settings.Data.Groups.Count > 0)
            throw new ConfigException($"--clients {share.K}/{share.N} shares fedactors.data.clients only; give each node its own fedactors.data.groups instead");
        var mine = share.Of(settings.Data.Clients);
        if (mine.Count == 0)
            throw new ConfigException($"--clients {share.K}/{share.N}: fedactors.data.clients lists {settings.Data.Clients.Count} clients, none for share {share.K}");
        return settings with { Data = settings.Data with { Clients = mine } };
    }

    private static ClusterSettings ReadCluster(LoadedConfig loaded)
    {
        try
        {
            return ClusterSettings.Create(loaded.Config);
        }
        catch (ConfigurationException ex)
        {
            var key = ex.Message.Split(' ', 2)[0];
            throw new ConfigException($"{loaded.SourceOf(key)}: {ex.Message}", ex);
        }
    }

    private static async Task CoordinateAsync(
        RunRequest run, LoadedConfig loaded, RunSettings settings, ClusterSettings cluster, Checkpoint? resume, IRunOutput output, CancellationToken ct)
    {
        var pooled = settings.Arms.FirstOrDefault(a => !Arms.IsFederated(a));
        if (pooled is not null)
        {
            throw new ConfigException(
                $"{loaded.SourceOf("fedactors.arms")}: fedactors.arms names '{pooled}', which pools every client's data in one process; "
                + $"a cluster keeps data on its nodes, so a coordinator runs only {Arms.FederatedSsl} and {Arms.Federated} (e.g. --set 'fedactors.arms=[\"{Arms.FederatedSsl}\"]')");
        }
        var afterWrite = KillSwitch.FromEnvironment();
        string runDir;
        if (resume is null)
        {
            runDir = RunLauncher.NewRunDirectory(run, settings, output);
        }
        else
        {
            runDir = run.OutDir!;
            output.Line($"resuming {runDir} at arm {resume.ArmIndex + 1}/{settings.Arms.Count}, stage {resume.StageIndex + 1}, after round {resume.RoundsDone}");
        }
        var setup = Setup(loaded, settings);
        var system = StartNode(loaded, cluster);
        try
        {
            var min = cluster.MinClients > 0 ? cluster.MinClients : ExpectedClients.Of(settings.Data).Count;
            output.Line($"cluster: coordinator {Address(system)}, data plane {DataPlane(system)}; waiting for {min} client(s) "
                + $"(fedactors.cluster.min-clients) for at most {cluster.WaitForClients}");
            var joined = await ClusterCoordinator.WaitForClientsAsync(system, min, cluster.WaitForClients, ct).ConfigureAwait(false);
            var classes = Check(joined, setup);
            var clients = WithLateJoiners(system, joined, settings, classes, setup, output);
            if (settings.Engine.TrainerSlots < clients.Count)
            {
                output.Line($"warning: fedactors.engine.trainer-slots = {settings.Engine.TrainerSlots} but {clients.Count} remote clients: "
                    + $"each waits on a trainer slot, so at most {settings.Engine.TrainerSlots} train at once; set it to {clients.Count}");
            }
            var resolved = HoconWriter.Write(loaded.Config, ConfigLoader.Reference());
            var runner = new ExperimentRunner(settings, output, runDir) { AfterWrite = afterWrite };
            var summary = await runner.RunAsync(resume is null ? resolved : null, new RemoteFederation(system, clients, classes), resume, ct)
                .ConfigureAwait(false);
            RunLauncher.Report(output, settings, runDir, summary);
        }
        finally
        {
            await LeaveAsync(system).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The clients of the run: those that joined, and a proxy for every client of the coordinator's
    /// <c>fedactors.data.clients</c> that has not (yet), which takes part once its node joins (until then rounds count
    /// it as unavailable). From now on the directory refuses a client that runs another experiment, or whose task or
    /// label space differs from the coordinator's view.
    /// </summary>
    private static List<IFederatedClient> WithLateJoiners(
        ActorSystem system, IReadOnlyList<IFederatedClient> joined, RunSettings settings, IReadOnlyDictionary<string, int> classes,
        string setup, IRunOutput output)
    {
        var present = joined.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var expected = ExpectedClients.Of(settings.Data);
        var missing = expected.Where(c => !present.Contains(c.Id)).ToList();
        var unknownTask = missing.Find(c => !classes.ContainsKey(c.Task));
        if (unknownTask.Id is not null)
        {
            throw new ConfigException(
                $"client '{unknownTask.Id}' of task '{unknownTask.Task}' has not joined, nor has any other client of that task: the coordinator "
                + "learns a task's number of classes from its clients, so raise fedactors.cluster.min-clients until every task has one");
        }
        var tasks = expected.ToDictionary(c => c.Id, c => c.Task, StringComparer.Ordinal);
        ClusterCoordinator.Admit(system, hosted =>
            tasks.TryGetValue(hosted.Id, out var task) && task != hosted.Task ? $"its task is '{hosted.Task}', this coordinator's config says '{task}'"
            : hosted.Setup != setup ? $"it runs another experiment ({hosted.Setup}) than this coordinator ({setup})"
            : !classes.TryGetValue(hosted.Task, out var n) ? $"no client of its task '{hosted.Task}' was there at the start"
            : hosted.Classes != n ? $"it announces {hosted.Classes} classes, its task '{hosted.Task}' has {n}"
            : null);
        if (missing.Count > 0)
            output.Line($"cluster: {missing.Count} client(s) not joined yet ({string.Join(", ", missing.Select(c => c.Id))}): they take part once their node joins");
        return [.. joined.Concat(missing.Select(c => ClusterCoordinator.Proxy(system, new ClientHost.HostedClient(c.Id, c.Task, classes[c.Task], setup))))
            .OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The label space of every task, as the client nodes announced it, after checking that each client runs the
    /// coordinator's experiment (same seed and settings).
    /// </summary>
    private static IReadOnlyDictionary<string, int> Check(IReadOnlyList<IFederatedClient> clients, string setup)
    {
        var classes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            var hosted = client is RemoteClientProxy proxy ? proxy.Hosted : new ClientHost.HostedClient(client.Id, client.Task);
            if (hosted.Setup != setup)
            {
                throw new ConfigException(
                    $"client '{hosted.Id}' runs another experiment ({(hosted.Setup.Length == 0 ? "unannounced" : hosted.Setup)}) than this coordinator ({setup}): "
                    + "give every node the same --seed and experiment config (fedactors.model, simclr, heads, supervised, evaluation, data)");
            }
            if (hosted.Classes < 1) throw new ConfigException($"client '{hosted.Id}' did not announce its number of classes");
            if (classes.TryGetValue(hosted.Task, out var n) && n != hosted.Classes)
                throw new ConfigException($"clients of task '{hosted.Task}' disagree on the number of classes ({n} vs {hosted.Classes} at '{hosted.Id}')");
            classes[hosted.Task] = hosted.Classes;
        }
        return classes;
    }

    private static async Task HostClientsAsync(LoadedConfig loaded, RunSettings settings, IRunOutput output, CancellationToken ct)
    {
        var killAtFit = KillSwitch.FitRoundFromEnvironment();
        var watch = Stopwatch.StartNew();
        var federation = FederationData.Build(settings, ct);
        var data = federation.Clients;
        foreach (var report in federation.Reports) output.Line("data: " + report);
        // The node's clients train at the same time, one thread each: share the cores among them.
        var threads = settings.TorchThreads > 0 ? settings.TorchThreads : Math.Max(1, Environment.ProcessorCount / data.Count);
        TorchRuntime.Configure(threads);
        TorchRuntime.ApplyCudnnBenchmark(settings.CudnnBenchmark);
        // Each hosted client trains on a thread of its own, not on a trainer slot: with several devices listed,
        // client k of the node uses device k mod n.
        var devices = DevicePlan.Resolve(settings.Device);
        settings.CheckMemoryFormat(devices);
        var classes = FederationData.ClassesPerTask(data);
        var setup = Setup(loaded, settings);
        output.Line(FederationData.Describe(data, watch.Elapsed, devices.ToString(), threads));

        using var networks = new NetworkPool();
        var clients = data
            .Select((c, k) => (IFederatedClient)new ReportingClient(
                new TorchClient(c, settings.Model, settings.Learning, settings.Seed, devices.For(k), networks), output, killAtFit))
            .ToList();
        var system = StartNode(loaded, ReadCluster(loaded));
        try
        {
            ClientNode.Host(system, clients, c => new ClientHost.HostedClient(c.Id, c.Task, classes[c.Task], setup, ClientHost.HostedClient.ShardOf(c)));
            var cluster = ClusterSettings.Create(loaded.Config);
            output.Line($"cluster: client node {Address(system)}, data plane {DataPlane(system)}, hosting {string.Join(", ", clients.Select(c => c.Id))}; "
                + $"seed nodes {(cluster.SeedNodes.Count == 0 ? "none (joined itself)" : string.Join(", ", cluster.SeedNodes))}");
            var ending = await ServeAsync(system, output, ct).ConfigureAwait(false);
            if (ending is not null) throw new InvalidOperationException(ending);
        }
        finally
        {
            await LeaveAsync(system).ConfigureAwait(false);
            foreach (var c in clients.OfType<IDisposable>()) c.Dispose();
        }
    }

    /// <summary>
    /// Serves until the process is told to stop or the coordinator has left (null: a normal end), or until the cluster
    /// shut this node down (the reason).
    /// </summary>
    private static async Task<string?> ServeAsync(ActorSystem system, IRunOutput output, CancellationToken ct)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var sawCoordinator = false;
        while (!ct.IsCancellationRequested)
        {
            if (system.WhenTerminated.IsCompleted || cluster.IsTerminated)
                return "this node was removed from the cluster (the coordinator became unreachable, or downed it)";
            var coordinatorUp = cluster.State.Members.Any(m =>
                m.HasRole(ClusterSettings.CoordinatorRole) && m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp);
            if (coordinatorUp && !sawCoordinator) output.Line("cluster: joined the coordinator");
            if (!coordinatorUp && sawCoordinator)
            {
                output.Line("cluster: the coordinator left; leaving");
                return null;
            }
            sawCoordinator |= coordinatorUp;
            try
            {
                await Task.Delay(WatchEvery, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        output.Line("cluster: asked to stop; leaving");
        return null;
    }

    private static ActorSystem StartNode(LoadedConfig loaded, ClusterSettings cluster)
    {
        try
        {
            return FedActorsNode.Create(loaded.Config.WithFallback(NodeAkkaDefaults).WithFallback(RunLauncher.AkkaDefaults));
        }
        catch (Exception ex) when (ex is not ConfigException)
        {
            throw new InvalidOperationException(
                $"cannot start the {cluster.Role} node at {cluster.Hostname}:{cluster.Port} (fedactors.cluster.hostname / port): {ex.GetBaseException().Message}", ex);
        }
    }

    /// <summary>Leaves the cluster gracefully (the others see this node leave, not vanish) and stops the actor system.</summary>
    private static async Task LeaveAsync(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted) return;
        var leave = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        if (await Task.WhenAny(leave, Task.Delay(LeaveTimeout)).ConfigureAwait(false) != leave)
            await system.Terminate().ConfigureAwait(false);
    }

    private static string Address(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();

    private static string DataPlane(ActorSystem system)
    {
        var store = FedActorsNode.Get(system).Store;
        return $"{store.Host}:{store.Port}";
    }

    /// <summary>
    /// A hosted client that says on the node's output when each call starts and ends; asked to fit round
    /// <paramref name="killAtFit"/>, it kills the process (<see cref="KillSwitch.FitVariable"/>).
    /// </summary>
    private sealed class ReportingClient(IFederatedClient inner, IRunOutput output, int? killAtFit) : IFederatedClient, IDisposable
    {
        public string Id => inner.Id;
        public string Task => inner.Task;

        public FitRes Fit(FitIns instructions, CancellationToken cancellation) =>
            Report("fit", instructions.Phase, instructions.Round, () => inner.Fit(instructions, cancellation));

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) =>
            Report("evaluate", instructions.Phase, instructions.Round, () => inner.Evaluate(instructions, cancellation));

        public void Dispose() => (inner as IDisposable)?.Dispose();

        private T Report<T>(string call, string phase, int round, Func<T> work)
        {
            output.Line($"{Id}: {call} {phase} round {round}");
            if (call == "fit" && round == killAtFit) KillSwitch.KillThisProcess($"{KillSwitch.FitVariable} = {round}");
            var watch = Stopwatch.StartNew();
            var result = work();
            output.Line(string.Format(CultureInfo.InvariantCulture, "{0}: {1} {2} round {3} done in {4:F1}s", Id, call, phase, round, watch.Elapsed.TotalSeconds));
            return result;
        }
    }
}
