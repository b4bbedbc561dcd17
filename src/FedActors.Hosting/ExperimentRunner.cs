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
using FedActors.Learning.Models;
using static TorchSharp.torch;

namespace FedActors.Hosting;

/// <summary>
/// Runs every configured arm on the same clients and initial weights, writing the run folder as it
/// goes: <c>config.conf</c> first, <c>metrics.csv</c> after every round, the summaries at the end.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly RunSettings _settings;
    private readonly IRunOutput _output;
    private string? _runDir;

    public ExperimentRunner(RunSettings settings, IRunOutput output)
    {
        _settings = settings;
        _output = output;
    }

    public async Task<RunSummary> RunAsync(string runDir, string resolvedConfig, Config akkaConfig, CancellationToken ct = default)
    {
        var wall = Stopwatch.StartNew();
        Directory.CreateDirectory(runDir);
        _runDir = runDir;
        await File.WriteAllTextAsync(Path.Combine(runDir, "config.conf"), resolvedConfig, ct).ConfigureAwait(false);

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
        var results = new List<ArmResult>();
        var system = ActorSystem.Create("fedactors", akkaConfig);
        try
        {
            using var metrics = new MetricsLog(Path.Combine(runDir, "metrics.csv"));
            foreach (var arm in _settings.Arms)
                results.Add(await RunArmAsync(system, arm, clients, initial, device, metrics, ct).ConfigureAwait(false));
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
        AccuracyCurves.WritePng(Path.Combine(runDir, "accuracy.png"), AccuracyCurves.ReadCsv(Path.Combine(runDir, "metrics.csv")));

        var summary = new RunSummary(results, _settings.BaselineArm, classes.Keys.ToList(), wall.Elapsed.TotalSeconds)
        {
            DataReports = federation.Reports,
        };
        await SummaryWriter.WriteAsync(runDir, summary, ct).ConfigureAwait(false);
        return summary;
    }

    /// <summary>
    /// The final global weights of a stage, for <c>fedactors export</c>: <c>weights/&lt;arm&gt;.weights</c>
    /// for a federated arm, <c>weights/&lt;arm&gt;.&lt;pooled client&gt;.weights</c> for each centralized stage.
    /// </summary>
    private void SaveWeights(string arm, ArmStage stage, ModelWeights final)
    {
        if (_runDir is null) return;
        var dir = Path.Combine(_runDir, "weights");
        Directory.CreateDirectory(dir);
        var name = Arms.IsFederated(arm) ? arm : $"{arm}.{stage.Clients[0].ClientId}";
        WeightsFile.Write(Path.Combine(dir, name + ".weights"), final);
    }

    private async Task<ArmResult> RunArmAsync(
        ActorSystem system,
        string arm,
        IReadOnlyList<ClientData> clients,
        ModelWeights initial,
        Device device,
        MetricsLog metrics,
        CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        ModelWeights? sslResult = null;
        var counts = RoundCounts.Zero;
        var final = new List<ClientResult>();
        foreach (var stage in ArmPlanner.Plan(arm, clients, _settings.Rounds))
        {
            var start = stage.FromSslStage
                ? sslResult ?? throw new InvalidOperationException($"arm '{arm}': a heads stage ran before its SimCLR stage")
                : initial;
            var taskOf = stage.Clients.ToDictionary(c => c.ClientId, c => c.Task, StringComparer.Ordinal);
            var trainers = stage.Clients
                .Select(c => new TorchClient(c, _settings.Model, _settings.Learning, _settings.Seed, device))
                .ToList();
            foreach (var p in stage.Phases) _output.PhaseStarted(arm, p.Phase, p.Rounds);
            try
            {
                var plan = new ExperimentPlan(arm, stage.Phases, start) { Seed = _settings.Seed };
                // Simulated faults model unreliable federation members; a centralized trainer has none.
                var faults = Arms.IsFederated(arm) ? _settings.Faults : FaultSettings.None;
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
                        metrics.Append(MetricsLog.Rows(report, taskOf));
                        _output.RoundDone(report.Arm, report.Phase, report.Round, report.TotalRounds, Progress.Format(report));
                    },
                    ct).ConfigureAwait(false);
                if (stage.Phases.Any(p => p.Phase == Phases.SimClr)) sslResult = result.Final;
                SaveWeights(arm, stage, result.Final);
                var last = result.Rounds.LastOrDefault(r => r.Evaluations.Count > 0);
                if (last is not null)
                {
                    final.AddRange(last.Evaluations.OrderBy(e => e.ClientId, StringComparer.Ordinal).Select(e => new ClientResult(
                        arm,
                        taskOf[e.ClientId],
                        e.ClientId,
                        e.Metrics.GetValueOrDefault(MetricNames.Acc1),
                        e.Metrics.GetValueOrDefault(MetricNames.Acc5),
                        e.NumExamples)));
                }
            }
            finally
            {
                foreach (var p in stage.Phases) _output.PhaseEnded(arm, p.Phase);
                foreach (var t in trainers) t.Dispose();
            }
        }
        var seconds = watch.Elapsed.TotalSeconds;
        _output.Line(string.Format(CultureInfo.InvariantCulture, "{0}: done in {1:F1}s", arm, seconds));
        return new ArmResult(arm, final, seconds, Budget.Describe(arm, _settings)) { Counts = counts };
    }
}
