using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Data;
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
    private const string GlobalFile = "global.weights";
    private const string SslFile = "ssl.weights";
    private readonly RunSettings _settings;
    private readonly IRunOutput _output;
    private readonly string _runDir;

    public ExperimentRunner(RunSettings settings, IRunOutput output, string runDir)
    {
        _settings = settings;
        _output = output;
        _runDir = runDir;
    }

    /// <summary>Runs from the start (<paramref name="resume"/> null) or from a checkpoint of this run folder.</summary>
    public async Task<RunSummary> RunAsync(string? resolvedConfig, Config akkaConfig, Checkpoint? resume = null, CancellationToken ct = default)
    {
        var wall = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(_runDir, Checkpoint.Folder));
        if (resume is null && resolvedConfig is not null)
            await File.WriteAllTextAsync(Path.Combine(_runDir, "config.conf"), resolvedConfig, ct).ConfigureAwait(false);
        if (resume is not null && resume.Seed != _settings.Seed)
            throw new InvalidDataException($"{Checkpoint.PathIn(_runDir)}: checkpoint of seed {resume.Seed}, config says {_settings.Seed}");

        var threads = _settings.TorchThreads > 0
            ? _settings.TorchThreads
            : Math.Max(1, Environment.ProcessorCount / _settings.Engine.TrainerSlots);
        TorchRuntime.Configure(threads);
        var device = DeviceSelector.Resolve(_settings.Device);

        var dataWatch = Stopwatch.StartNew();
        var federation = FederationData.Build(_settings, ct);
        var clients = federation.Clients;
        foreach (var report in federation.Reports) _output.Line("data: " + report);
        var classes = FederationData.ClassesPerTask(clients);
        _output.Line(string.Format(
            CultureInfo.InvariantCulture,
            "data: {0} clients ({1}) in {2:F1}s; device {3}, {4} torch threads",
            clients.Count,
            string.Join(", ", clients.Select(c => $"{c.ClientId}: {c.Task}, {c.Labeled.Count} labeled / {c.Unlabeled.Count} unlabeled")),
            dataWatch.Elapsed.TotalSeconds,
            device,
            threads));

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
        var context = new RunContext(clients, initial, device, resume?.WallSecondsBefore ?? 0, wall);
        var results = resume?.FinishedArms.Select(a => a.ToResult()).ToList() ?? [];
        var metricsPath = Path.Combine(_runDir, "metrics.csv");
        var system = ActorSystem.Create("fedactors", akkaConfig);
        try
        {
            using var metrics = resume is null ? new MetricsLog(metricsPath) : MetricsLog.Resume(metricsPath, resume.MetricsBytes);
            context.Metrics = metrics;
            for (var a = resume?.ArmIndex ?? 0; a < _settings.Arms.Count; a++)
            {
                var from = resume is not null && a == resume.ArmIndex ? resume : null;
                results.Add(await RunArmAsync(system, a, context, results, from, ct).ConfigureAwait(false));
                new Checkpoint
                {
                    Seed = _settings.Seed,
                    ArmIndex = a + 1,
                    MetricsBytes = metrics.Length,
                    WallSecondsBefore = context.WallSeconds,
                    FinishedArms = results.Select(SavedArm.From).ToList(),
                }.Write(_runDir);
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
            context.Networks.Dispose();
        }
        AccuracyCurves.WritePng(Path.Combine(_runDir, "accuracy.png"), AccuracyCurves.ReadCsv(metricsPath));

        var summary = new RunSummary(results, _settings.BaselineArm, classes.Keys.ToList(), context.WallSeconds)
        {
            DataReports = federation.Reports,
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
        var ssl = resume?.SslFile is { } sslFile ? WeightsFile.Read(Checkpoint.WeightsPath(_runDir, sslFile)) : null;
        var results = resume?.ArmResults.Select(r => r.ToResult()).ToList() ?? [];
        var counts = resume?.ArmCounts.ToCounts() ?? RoundCounts.Zero;
        var stages = ArmPlanner.Plan(arm, run.Clients, _settings.Rounds);
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
            var taskOf = stage.Clients.ToDictionary(c => c.ClientId, c => c.Task, StringComparer.Ordinal);
            var trainers = stage.Clients
                .Select(c => new TorchClient(c, _settings.Model, _settings.Learning, _settings.Seed, run.Device, run.Networks))
                .ToList();
            foreach (var p in stage.Phases) _output.PhaseStarted(arm, p.Phase, p.Rounds);
            try
            {
                var plan = new ExperimentPlan(arm, stage.Phases, start)
                {
                    Seed = _settings.Seed,
                    StartPhase = from?.PhaseIndex ?? 0,
                    StartAfterRound = from?.RoundsDone ?? 0,
                };
                // Simulated faults model unreliable federation members; a centralized trainer has none.
                var faults = Arms.IsFederated(arm) ? _settings.Faults : FaultSettings.None;
                var stageIndex = s;
                var result = await Experiment.RunAsync(
                    system,
                    plan,
                    trainers,
                    new FedAvg(),
                    _settings.Engine,
                    faults,
                    report =>
                    {
                        counts += report.Counts;
                        run.Metrics!.Append(MetricsLog.Rows(report, taskOf));
                        if (report.Evaluations.Count > 0)
                        {
                            lastEvaluation = report.Evaluations.OrderBy(e => e.ClientId, StringComparer.Ordinal).Select(e => new ClientResult(
                                arm,
                                taskOf[e.ClientId],
                                e.ClientId,
                                e.Metrics.GetValueOrDefault(MetricNames.Acc1),
                                e.Metrics.GetValueOrDefault(MetricNames.Acc5),
                                e.NumExamples)).ToList();
                        }
                        WeightsFile.Write(Checkpoint.WeightsPath(_runDir, GlobalFile), report.Global);
                        new Checkpoint
                        {
                            Seed = _settings.Seed,
                            ArmIndex = armIndex,
                            StageIndex = stageIndex,
                            PhaseIndex = stage.Phases.Select(p => p.Phase).ToList().IndexOf(report.Phase),
                            RoundsDone = report.Round,
                            GlobalFile = GlobalFile,
                            SslFile = ssl is null ? null : SslFile,
                            MetricsBytes = run.Metrics.Length,
                            WallSecondsBefore = run.WallSeconds,
                            ArmSecondsBefore = secondsBefore + watch.Elapsed.TotalSeconds,
                            FinishedArms = finishedArms.Select(SavedArm.From).ToList(),
                            ArmResults = results.Select(SavedClientResult.From).ToList(),
                            StageLastEvaluation = lastEvaluation.Select(SavedClientResult.From).ToList(),
                            ArmCounts = SavedCounts.From(counts),
                        }.Write(_runDir);
                        _output.RoundDone(report.Arm, report.Phase, report.Round, report.TotalRounds, Progress.Format(report));
                    },
                    ct).ConfigureAwait(false);
                if (stage.Phases.Any(p => p.Phase == Phases.SimClr))
                {
                    ssl = result.Final;
                    WeightsFile.Write(Checkpoint.WeightsPath(_runDir, SslFile), ssl);
                }
                results.AddRange(lastEvaluation);
                SaveWeights(arm, stage, result.Final);
            }
            finally
            {
                foreach (var p in stage.Phases) _output.PhaseEnded(arm, p.Phase);
                foreach (var t in trainers) t.Dispose();
            }
        }
        var seconds = secondsBefore + watch.Elapsed.TotalSeconds;
        _output.Line(string.Format(CultureInfo.InvariantCulture, "{0}: done in {1:F1}s", arm, seconds));
        return new ArmResult(arm, results, seconds, Budget.Describe(arm, _settings)) { Counts = counts };
    }

    /// <summary>
    /// The final global weights of a stage, for <c>fedactors export</c>: <c>weights/&lt;arm&gt;.weights</c>
    /// for a federated arm, <c>weights/&lt;arm&gt;.&lt;pooled client&gt;.weights</c> for each centralized stage.
    /// </summary>
    private void SaveWeights(string arm, ArmStage stage, ModelWeights final)
    {
        var dir = Path.Combine(_runDir, "weights");
        Directory.CreateDirectory(dir);
        var name = Arms.IsFederated(arm) ? arm : $"{arm}.{stage.Clients[0].ClientId}";
        WeightsFile.Write(Path.Combine(dir, name + ".weights"), final);
    }

    /// <summary>What every arm of one run shares.</summary>
    private sealed class RunContext(IReadOnlyList<ClientData> clients, ModelWeights initial, Device device, double wallBefore, Stopwatch wall)
    {
        public IReadOnlyList<ClientData> Clients { get; } = clients;
        public ModelWeights Initial { get; } = initial;
        public Device Device { get; } = device;

        /// <summary>Networks rented per call: clients hold no backbone between rounds.</summary>
        public NetworkPool Networks { get; } = new();
        public MetricsLog? Metrics { get; set; }
        public double WallSeconds => wallBefore + wall.Elapsed.TotalSeconds;
    }
}
