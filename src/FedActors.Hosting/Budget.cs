using System.Globalization;

namespace FedActors.Hosting;

/// <summary>Describes the training budget of an arm, so a reader can judge the comparison's fairness.</summary>
public static class Budget
{
    public static string Describe(string arm, RunSettings s)
    {
        var l = s.Learning;
        string Ssl() => string.Format(CultureInfo.InvariantCulture, "SimCLR {0} rounds x {1} epochs on unlabeled data", s.Rounds.SimClr, l.SimClr.LocalEpochs);
        string Heads() => string.Format(
            CultureInfo.InvariantCulture, "heads ({0}{1}{2}{3}) {4} rounds x {5} epochs on labeled data",
            s.Learning.HeadTrainable,
            l.HeadBackboneScope == Learning.Training.BackboneScope.Task ? ", a backbone per task" : "",
            l.HeadBackboneRateScale == 1 ? "" : string.Format(CultureInfo.InvariantCulture, ", backbone lr x{0}", l.HeadBackboneRateScale),
            l.HeadDecayTarget == Learning.Training.WeightDecayTarget.Pretrained ? ", backbone decays toward SimCLR's (L2-SP)" : "",
            s.Rounds.Heads,
            l.Heads.LocalEpochs);
        string Sup() => string.Format(CultureInfo.InvariantCulture, "supervised {0} rounds x {1} epochs on labeled data", s.Rounds.Supervised, l.Supervised.LocalEpochs);
        var strategy = s.NewStrategy();
        var aggregation = "aggregated by " + strategy.Description
            + (strategy.BuffersUpdates ? " (the server holds every update of a round: memory O(clients x model))" : "");
        return arm switch
        {
            Arms.Centralized => Sup() + ", one network per task, pooled data",
            Arms.Federated => Sup() + ", over all clients, " + aggregation,
            Arms.FederatedSsl => Ssl() + ", then " + Heads() + "; " + aggregation,
            Arms.CentralizedSsl => Ssl() + " (pooled), then " + Heads() + " per task",
            _ => arm,
        };
    }
}
