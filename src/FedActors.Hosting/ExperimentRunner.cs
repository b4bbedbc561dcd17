using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Data;
using FedActors.Data.Loaders;
using FedActors.Engine;
using FedActors.Hosting.Reporting;
using FedActors.Learning;
using FedActors.Learning.Interop;
using FedActors.Learning.Models;
using static TorchSharp.torch;

namespace FedActors.Hosting;

/// <summary>
/// Runs every configured arm on the same clients and initial weights, writing the run folder as it
/// goes: <c>config.conf</c> first, then after every round <c>metrics.csv</c> rows and a checkpoint, the
/// summaries and curves at the end. A run resumed from its checkpoint continues where it stopped and
/// writes the same <c>metrics.csv</c> an uninterrupted run would.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly RunSettings _settings;
    private readonly IRunOutput _output;
    private readonly string _runDir;

    public ExperimentRunner(RunSettings settings, IRunOutput output, string runDir)
    {
        _settings = settings;
        _output = output;
        _runDir = runDir;
    }

    /// <summary>
    /// Called after each write the run folder's resume state depends on, with the step just done; for tests that
    /// stop a run at each write point in turn (throw from it to stop the run there, as a kill would).
    /// </summary>
    public Action<CheckpointStep>? AfterWrite { get; init; }

    /// <summary>Runs from the start (<paramref name="resume"/> null) or from a checkpoint of this run folder.</summary>
    public Task<RunSummary> RunAsync(string? resolvedConfig, Config akkaConfig, Checkpoint? resume = null, CancellationToken ct = default) =>
        RunAsync(resolvedConfig, resume, threads => LocalFleet(akkaConfig, threads, ct), ct);

    /// <summary>
    /// As above with the clients of a cluster's client nodes: every federated arm runs over <paramref name="remote"/>'s
    /// clients on its actor system (which the caller owns); this process loads no data and trains nothing.
    /// </summary>
    public Task<RunSummary> RunAsync(string? resolvedConfig, RemoteFederation remote, Checkpoint? resume = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return RunAsync(resolvedConfig, resume, _ => RemoteFleet(remote), ct);
    }

    private async Task<RunSummary> RunAsync(string? resolvedConfig, Checkpoint? resume, Func<int, Fleet> open, CancellationToken ct)
    {
        var wall = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(_runDir, Checkpoint.Folder));
        if (resume is null && resolvedConfig is not null)
            await File.WriteAllTextAsync(Path.Combine(_runDir, "config.conf"), resolvedConfig, ct).ConfigureAwait(false);
        if (resume is not null && resume.Seed != _settings.Seed)
            throw new InvalidDataException($"{Checkpoint.PathIn(_runDir)}: checkpoint of seed {resume.Seed}, config says {_settings.Seed}");
        if (resume is not null && (resume.ArmIndex > _settings.Arms.Count || resume.FinishedArms.Count != resume.ArmIndex))
            throw new InvalidDataException(
                $"{Checkpoint.PathIn(_runDir)}: at arm {resume.ArmIndex + 1} with {resume.FinishedArms.Count} finished, but the config has {_settings.Arms.Count} arms");

        var threads = _settings.TorchThreads > 0
            ? _settings.TorchThreads
            : Math.Max(1, Environment.ProcessorCount / _settings.Engine.TrainerSlots);
        TorchRuntime.Configure(threads);
        TorchRuntime.ApplyCudnnBenchmark(_settings.CudnnBenchmark);
        var fleet = open(threads);
        var classes = fleet.ClassesPerTask;
        var results = resume?.FinishedArms.Select(a => a.ToResult()).ToList() ?? [];
        var metricsPath = Path.Combine(_runDir, "metrics.csv");
        RunContext context;
        try
        {
            var initial = ModelFactory.InitialGlobal(_settings.Model, classes, Seeds.Derive(_settings.Seed, "init"));
            if (_settings.InitFrom.Length > 0)
            {
                try
                {
                    initial = initial.With(PyTorchImport.LoadBackbone(_settings.InitFrom, _settings.Model));
                }
                catch (InvalidDataException ex)
                {
                    throw new Configuration.ConfigException($"fedactors.model.init-from: {ex.Message}", ex);
                }
                _output.Line($"backbone initialised from {_settings.InitFrom}");
            }
            context = new RunContext(fleet, initial, resume?.WallSecondsBefore ?? 0, wall);
            using var metrics = resume is null ? new MetricsLog(metricsPath) : MetricsLog.Resume(metricsPath, resume.MetricsBytes);
            context.Metrics = metrics;
            if (_settings.TensorBoard) context.TensorBoard = new TensorBoardLog(_runDir, _settings.Rounds.SimClr);
            for (var a = resume?.ArmIndex ?? 0; a < _settings.Arms.Count; a++)
            {
                var from = resume is not null && a == resume.ArmIndex ? resume : null;
                results.Add(await RunArmAsync(fleet.System, a, context, results, from, ct).ConfigureAwait(false));
                var armDone = new Checkpoint
                {
                    Seed = _settings.Seed,
                    ArmIndex = a + 1,
                    MetricsBytes = metrics.Length,
                    WallSecondsBefore = context.WallSeconds,
                    FinishedArms = results.Select(SavedArm.From).ToList(),
                };
                armDone.Write(_runDir);
                AfterWrite?.Invoke(CheckpointStep.ArmStateWritten);
                armDone.RemoveUnreferenced(_runDir);
                AfterWrite?.Invoke(CheckpointStep.OldWeightsRemoved);
            }
        }
        finally
        {
            if (fleet.OwnsSystem) await fleet.System.Terminate().ConfigureAwait(false);
            fleet.Networks.Dispose();
        }
        var rows = AccuracyCurves.ReadCsv(metricsPath);
        AccuracyCurves.WritePng(Path.Combine(_runDir, "accuracy.png"), rows);
        ClientFigures.WriteClientAccuracy(_runDir, results);
        ClientFigures.WritePartitions(_runDir, fleet.Groups);

        var summary = new RunSummary(results, _settings.BaselineArm, classes.Keys.ToList(), context.WallSeconds)
        {
            DataReports = fleet.Reports,
            Rejections = RunSummary.CountRejections(rows),
            TimesToAccuracy = TimeToAccuracy.Of(rows, _settings.Simulation.Targets),
        };
        await SummaryWriter.WriteAsync(_runDir, summary, ct).ConfigureAwait(false);
        return summary;
    }

    private async Task<ArmResult> RunArmAsync(
        ActorSystem system,
        int armIndex,
        RunContext run,
        IReadOnlyList<ArmResult> finishedArms,
        Checkpoint? resume,
        CancellationToken ct)
    {
        var arm = _settings.Arms[armIndex];
        var watch = Stopwatch.StartNew();
        var secondsBefore = resume?.ArmSecondsBefore ?? 0;
        var sslFile = resume?.SslFile;
        var ssl = sslFile is null ? null : WeightsFile.Read(Checkpoint.WeightsPath(_runDir, sslFile));
        var results = resume?.ArmResults.Select(r => r.ToResult()).ToList() ?? [];
        var counts = resume?.ArmCounts.ToCounts() ?? RoundCounts.Zero;
        var stages = run.Fleet.Plan(arm);
        if (resume is not null && resume.StageIndex >= stages.Count)
            throw new InvalidDataException($"{Checkpoint.PathIn(_runDir)}: stage {resume.StageIndex + 1} of arm '{arm}', which has {stages.Count}");
        for (var s = resume?.StageIndex ?? 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            var from = resume is not null && s == resume.StageIndex ? resume : null;
            var start = from?.GlobalFile is { } globalFile
                ? WeightsFile.Read(Checkpoint.WeightsPath(_runDir, globalFile))
                : stage.FromSslStage
                    ? ssl ?? throw new InvalidOperationException($"arm '{arm}': a heads stage ran before its SimCLR stage")
                    : run.Initial;
            var lastEvaluation = from?.StageLastEvaluation.Select(r => r.ToResult()).ToList() ?? [];
            var trainers = stage.Clients();
            var taskOf = trainers.ToDictionary(c => c.Id, c => c.Task, StringComparer.Ordinal);
            foreach (var p in stage.Phases) _output.PhaseStarted(arm, p.Phase, p.Rounds);
            try
            {
                var plan = new ExperimentPlan(arm, stage.Phases, start)
                {
                    Seed = _settings.Seed,
                    StartPhase = from?.PhaseIndex ?? 0,
                    StartAfterRound = from?.RoundsDone ?? 0,
                };
                // Simulated faults and devices model federation members; a centralized trainer has none.
                var federated = Arms.IsFederated(arm);
                var faults = federated ? run.Fleet.Faults : FaultSettings.None;
                if (federated && run.Fleet.Devices is { } devices)
                {
                    plan = plan with
                    {
                        Clock = new SimulatedClock(devices, _settings.Simulation.Deadline.TotalSeconds, from?.SimulatedSeconds ?? 0),
                    };
                }
                var stageIndex = s;
                // A centralized stage averages a single update: the strategy would only get in its way.
                IStrategy strategy = federated ? _settings.NewStrategy() : new FedAvg();
                if (from?.ServerStateFile is { } stateFile && strategy is IServerState resumed)
                    resumed.LoadState(WeightsFile.Read(Checkpoint.WeightsPath(_runDir, stateFile)));
                var result = await Experiment.RunAsync(
                    system,
                    plan,
                    trainers,
                    strategy,
                    _settings.Engine,
                    faults,
                    report =>
                    {
                        counts += report.Counts;
                        var rows = MetricsLog.Rows(report, taskOf, (strategy as IDescribedStrategy)?.LastFitMetrics);
                        run.Metrics!.Append(rows);
                        AfterWrite?.Invoke(CheckpointStep.MetricsAppended);
                        run.TensorBoard?.Append(rows);
                        // The SimCLR phase's evaluations are the k-NN monitor, not the task's result.
                        if (report.Evaluations.Count > 0 && report.Phase != Phases.SimClr)
                        {
                            lastEvaluation = report.Evaluations.OrderBy(e => e.ClientId, StringComparer.Ordinal).Select(e => new ClientResult(
                                arm,
                                taskOf[e.ClientId],
                                e.ClientId,
                                e.Metrics.GetValueOrDefault(MetricNames.Acc1),
                                e.Metrics.GetValueOrDefault(MetricNames.Acc5),
                                e.NumExamples)).ToList();
                        }
                        // One unit: the round's weights under a name of their own, then the state that names them,
                        // then the files no state names any more. A kill anywhere leaves a complete earlier or new state.
                        var phaseIndex = stage.Phases.Select(p => p.Phase).ToList().IndexOf(report.Phase);
                        var globalFile = Checkpoint.RoundWeightsName(armIndex, stageIndex, phaseIndex, report.Round);
                        WeightsFile.Write(Checkpoint.WeightsPath(_runDir, globalFile), report.Global);
                        // A server optimiser's state goes with the round's weights, so a resumed run goes on with the same bits.
                        string? serverStateFile = null;
                        if (strategy is IServerState serverState && serverState.SaveState() is { Count: > 0 } savedState)
                        {
                            serverStateFile = Checkpoint.ServerStateName(armIndex, stageIndex, phaseIndex, report.Round);
                            WeightsFile.Write(Checkpoint.WeightsPath(_runDir, serverStateFile), savedState);
                        }
                        AfterWrite?.Invoke(CheckpointStep.RoundWeightsWritten);
                        var state = new Checkpoint
                        {
                            Seed = _settings.Seed,
                            ArmIndex = armIndex,
                            StageIndex = stageIndex,
                            PhaseIndex = phaseIndex,
                            RoundsDone = report.Round,
                            GlobalFile = globalFile,
                            ServerStateFile = serverStateFile,
                            SslFile = sslFile,
                            MetricsBytes = run.Metrics.Length,
                            WallSecondsBefore = run.WallSeconds,
                            ArmSecondsBefore = secondsBefore + watch.Elapsed.TotalSeconds,
                            FinishedArms = finishedArms.Select(SavedArm.From).ToList(),
                            ArmResults = results.Select(SavedClientResult.From).ToList(),
                            StageLastEvaluation = lastEvaluation.Select(SavedClientResult.From).ToList(),
                            ArmCounts = SavedCounts.From(counts),
                            SimulatedSeconds = report.SimulatedSeconds ?? 0,
                        };
                        state.Write(_runDir);
                        AfterWrite?.Invoke(CheckpointStep.RoundStateWritten);
                        state.RemoveUnreferenced(_runDir);
                        AfterWrite?.Invoke(CheckpointStep.OldWeightsRemoved);
                        _output.RoundDone(report.Arm, report.Phase, report.Round, report.TotalRounds, Progress.Format(report));
                    },
                    ct).ConfigureAwait(false);
                // A later stage starts from this SimCLR result: keep it in a file the next round's state will name.
                if (stages.Skip(s + 1).Any(later => later.FromSslStage))
                {
                    ssl = result.Final;
                    sslFile = Checkpoint.SslWeightsName(armIndex, s);
                    WeightsFile.Write(Checkpoint.WeightsPath(_runDir, sslFile), ssl);
                    AfterWrite?.Invoke(CheckpointStep.StageWeightsWritten);
                }
                if (stage.Members is { } members && lastEvaluation.Count > 0)
                    lastEvaluation = ScoreMembers(arm, members(), result.Final, stage.Phases.Last(p => p.EvaluateEvery > 0), ct);
                results.AddRange(lastEvaluation);
                SaveWeights(stage.WeightsName, result.Final);
                AfterWrite?.Invoke(CheckpointStep.StageWeightsWritten);
            }
            finally
            {
                foreach (var p in stage.Phases) _output.PhaseEnded(arm, p.Phase);
                foreach (var t in trainers.OfType<IDisposable>()) t.Dispose();
            }
        }
        var seconds = secondsBefore + watch.Elapsed.TotalSeconds;
        _output.Line(string.Format(CultureInfo.InvariantCulture, "{0}: done in {1:F1}s", arm, seconds));
        return new ArmResult(arm, results, seconds, Budget.Describe(arm, _settings)) { Counts = counts };
    }

    /// <summary>
    /// A pooled task's result scored on each of the task's federation clients' own evaluation split: the same images as
    /// the pooled evaluation (so the task's image-weighted accuracy is unchanged), client by client.
    /// </summary>
    private static List<ClientResult> ScoreMembers(string arm, IReadOnlyList<IFederatedClient> members, ModelWeights final, PhasePlan phase, CancellationToken ct)
    {
        var results = new List<ClientResult>(members.Count);
        foreach (var member in members)
        {
            var e = member.Evaluate(new EvaluateIns(phase.Rounds, phase.Phase, final, new Dictionary<string, string>()), ct);
            results.Add(new ClientResult(arm, member.Task, member.Id, e.Metrics.GetValueOrDefault(MetricNames.Acc1), e.Metrics.GetValueOrDefault(MetricNames.Acc5), e.NumExamples));
            if (member is IDisposable disposable) disposable.Dispose();
        }
        return results;
    }

    /// <summary>
    /// The final global weights of a stage, for <c>fedactors export</c>: <c>weights/&lt;arm&gt;.weights</c>
    /// for a federated arm, <c>weights/&lt;arm&gt;.&lt;pooled client&gt;.weights</c> for each centralized stage.
    /// </summary>
    private void SaveWeights(string name, ModelWeights final)
    {
        var dir = Path.Combine(_runDir, "weights");
        Directory.CreateDirectory(dir);
        WeightsFile.Write(Path.Combine(dir, name + ".weights"), final);
    }

    /// <summary>Clients built in this process from the local data, on an actor system of the run's own.</summary>
    private Fleet LocalFleet(Config akkaConfig, int threads, CancellationToken ct)
    {
        var devices = DevicePlan.Resolve(_settings.Device);
        _settings.CheckMemoryFormat(devices);
        var dataWatch = Stopwatch.StartNew();
        var federation = FederationData.Build(_settings, ct);
        var clients = federation.Clients;
        foreach (var report in federation.Reports) _output.Line("data: " + report);
        var classes = FederationData.ClassesPerTask(clients);
        _output.Line(FederationData.Describe(clients, dataWatch.Elapsed, devices.ToString(), threads));
        var networks = new NetworkPool();
        IReadOnlyList<StagePlan> Plan(string arm) =>
            ArmPlanner.Plan(arm, clients, _settings.Rounds)
                .Select(stage => new StagePlan(
                    stage.Phases,
                    stage.FromSslStage,
                    Arms.IsFederated(arm) ? arm : $"{arm}.{stage.Clients[0].ClientId}",
                    () => stage.Clients
                        .Select(c => (IFederatedClient)new TorchClient(c, _settings.Model, _settings.Learning, _settings.Seed, devices, networks))
                        .ToList())
                {
                    Members = stage.Members.Count > 1
                        ? () => [.. stage.Members.Select(c => (IFederatedClient)new TorchClient(c, _settings.Model, _settings.Learning, _settings.Seed, devices, networks))]
                        : null,
                })
                .ToList();
        IDeviceModel? simulated = null;
        if (_settings.Simulation.Clock)
        {
            var byId = clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);
            simulated = DeviceModel.For(_settings, federation.Groups, (id, phase) =>
                byId.TryGetValue(id, out var c) ? (phase == Phases.SimClr ? c.Unlabeled.Count : c.Labeled.Count) : 0);
        }
        return new Fleet(ActorSystem.Create("fedactors", akkaConfig), OwnsSystem: true, classes, federation.Reports, networks, Plan)
        {
            Devices = simulated,
            Groups = federation.Groups,
            Faults = WithGroupAvailability(_settings, federation.Groups, clients.Select(c => c.ClientId)),
        };
    }

    /// <summary>
    /// <c>fedactors.faults</c> with its attackers drawn from the federation, and each group's availability (below 1) given
    /// to its clients that no faults entry names: the existing fault simulator draws who is reachable each round.
    /// </summary>
    private static FaultSettings WithGroupAvailability(RunSettings settings, IReadOnlyList<GroupLayout> layouts, IEnumerable<string> clientIds)
    {
        var faults = settings.Faults with { Attack = settings.Faults.Attack.WithAttackers(clientIds, settings.Seed) };
        var named = faults.Clients.SelectMany(c => c.ClientIds).ToHashSet(StringComparer.Ordinal);
        var extra = new List<ClientFaults>();
        foreach (var layout in layouts)
        {
            var group = settings.Data.Groups.Single(g => g.Group == layout.Group);
            if (group.Availability >= 1) continue;
            var ids = layout.ClientIds.Where(id => !named.Contains(id)).ToList();
            if (ids.Count > 0) extra.Add(new ClientFaults(ids, faults.AllClients with { Availability = group.Availability }));
        }
        return extra.Count == 0 ? faults : faults with { Clients = [.. faults.Clients, .. extra] };
    }

    private Fleet RemoteFleet(RemoteFederation remote)
    {
        _output.Line($"cluster: {remote.Clients.Count} remote clients ({string.Join(", ", remote.Clients.Select(c => $"{c.Id}: {c.Task}"))})");
        IReadOnlyList<StagePlan> Plan(string arm)
        {
            // Checked before the cluster starts (NodeLauncher); this guards other callers.
            if (!Arms.IsFederated(arm)) throw new InvalidOperationException($"arm '{arm}' pools data centrally and cannot run over remote clients");
            return [new StagePlan(ArmPlanner.FederatedPhases(arm, _settings.Rounds), FromSslStage: false, arm, () => remote.Clients)];
        }
        return new Fleet(remote.System, OwnsSystem: false, remote.ClassesPerTask, [], new NetworkPool(), Plan);
    }

    /// <summary>One stage of an arm, ready to run: its phases and a factory of the clients that run it.</summary>
    private sealed record StagePlan(
        IReadOnlyList<PhasePlan> Phases, bool FromSslStage, string WeightsName, Func<IReadOnlyList<IFederatedClient>> Clients)
    {
        /// <summary>A pooled task's federation clients, scored on their own evaluation splits at the stage's end; null = none.</summary>
        public Func<IReadOnlyList<IFederatedClient>>? Members { get; init; }
    }

    /// <summary>Where a run's clients live and the actor system its experiments run on.</summary>
    private sealed record Fleet(
        ActorSystem System,
        bool OwnsSystem,
        IReadOnlyDictionary<string, int> ClassesPerTask,
        IReadOnlyList<LoadReport> Reports,
        NetworkPool Networks,
        Func<string, IReadOnlyList<StagePlan>> Plan)
    {
        /// <summary>The clients' simulated devices when <c>simulation.clock</c> is on; null otherwise.</summary>
        public IDeviceModel? Devices { get; init; }

        /// <summary>How each group's images were dealt out.</summary>
        public IReadOnlyList<GroupLayout> Groups { get; init; } = [];

        /// <summary>The faults of federated arms: <c>fedactors.faults</c> plus each group's availability.</summary>
        public FaultSettings Faults { get; init; } = FaultSettings.None;
    }

    /// <summary>What every arm of one run shares.</summary>
    private sealed class RunContext(Fleet fleet, ModelWeights initial, double wallBefore, Stopwatch wall)
    {
        public Fleet Fleet { get; } = fleet;
        public ModelWeights Initial { get; } = initial;
        public MetricsLog? Metrics { get; set; }
        public TensorBoardLog? TensorBoard { get; set; }
        public double WallSeconds => wallBefore + wall.Elapsed.TotalSeconds;
    }
}

/// <summary>
/// A run's clients on the client nodes of a cluster, as the coordinator sees them: proxies on
/// <paramref name="System"/> (owned by the caller) and the label-space size of every task.
/// </summary>
public sealed record RemoteFederation(ActorSystem System, IReadOnlyList<IFederatedClient> Clients, IReadOnlyDictionary<string, int> ClassesPerTask);

/// <summary>The writes a run's resume state depends on, in the order a round (or stage, or arm) makes them.</summary>
public enum CheckpointStep
{
    /// <summary>A round's rows were appended to metrics.csv.</summary>
    MetricsAppended,

    /// <summary>A round's global weights were written to the checkpoint folder.</summary>
    RoundWeightsWritten,

    /// <summary>The checkpoint state naming that round was written.</summary>
    RoundStateWritten,

    /// <summary>Weight files no checkpoint names any more were removed.</summary>
    OldWeightsRemoved,

    /// <summary>A stage's result was written (its SimCLR weights, or its final weights under weights/).</summary>
    StageWeightsWritten,

    /// <summary>The checkpoint state naming a finished arm was written.</summary>
    ArmStateWritten,
}
