using FedActors.Core;
using static TorchSharp.torch.utils.tensorboard;

namespace FedActors.Hosting;

/// <summary>
/// TensorBoard event files of a run (<c>fedactors.output.tensorboard = on</c>), in <c>&lt;run&gt;/tensorboard</c>: every
/// metrics.csv row of every round as a scalar, tagged <c>&lt;arm&gt;/&lt;metric&gt;/&lt;task&gt;/&lt;client&gt;</c>, and
/// each task's mean over its clients as <c>&lt;arm&gt;/&lt;metric&gt;/&lt;task&gt;</c>, so fifty clients' curves can be
/// browsed. The step counts the arm's rounds in order (SimCLR's, then the heads'), as accuracy.png does. A resumed
/// run writes a new event file from the round after its checkpoint; a round the killed run had begun to log may
/// then show twice. TorchSharp's writer writes each event to its file as it is added.
/// </summary>
public sealed class TensorBoardLog
{
    public const string Folder = "tensorboard";

    private readonly TorchSharp.Modules.SummaryWriter _writer;
    private readonly int _simClrRounds;

    /// <param name="simClrRounds">SimCLR rounds of an SSL arm (its heads' steps come after them).</param>
    public TensorBoardLog(string runDir, int simClrRounds)
    {
        _writer = SummaryWriter(Path.Combine(runDir, Folder), createRunName: false);
        _simClrRounds = simClrRounds;
    }

    public void Append(IReadOnlyList<MetricRecord> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            var step = Step(row);
            _writer.add_scalar(Tag(row.Arm, row.Metric, row.Task, row.Client), (float)row.Value, step);
        }
        // Each task's mean over its clients, for the quantities that are measured per client.
        foreach (var g in rows.Where(r => r.Client != "*" && r.Metric is MetricNames.Acc1 or MetricNames.Acc5 or MetricNames.Knn or MetricNames.Loss)
                     .GroupBy(r => (r.Arm, r.Metric, r.Task, Step: Step(r))))
            _writer.add_scalar(Tag(g.Key.Arm, g.Key.Metric, g.Key.Task), (float)g.Average(r => r.Value), g.Key.Step);
    }

    private int Step(MetricRecord row) => row.Phase == Phases.Heads ? row.Round + _simClrRounds : row.Round;

    private static string Tag(params string[] parts) => string.Join('/', parts.Where(p => p.Length > 0 && p != "*"));
}
