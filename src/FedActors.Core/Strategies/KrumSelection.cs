namespace FedActors.Core.Strategies;

/// <summary>
/// Krum's scoring (Blanchard et al., NeurIPS 2017, "Machine Learning with Adversaries"), pure, over a matrix of squared
/// distances (<see cref="PairwiseDistances"/>) so that MultiKrum and Bulyan's repeated selections reuse one round's
/// distances. An update's score is the sum of its squared distances to its <c>n - f - 2</c> nearest neighbours among the
/// updates still in play; the lowest score wins; ties go to the lower index (the lower client id).
/// </summary>
public static class KrumSelection
{
    /// <summary>
    /// The Byzantine count Krum can use with <paramref name="updates"/> updates: it needs <c>n ≥ 2f + 3</c>, so the
    /// largest f up to <paramref name="requested"/> that fits, and 0 with fewer than 3 updates.
    /// </summary>
    public static int TolerableByKrum(int updates, int requested) => Math.Min(requested, Math.Max(0, (updates - 3) / 2));

    /// <summary>As <see cref="TolerableByKrum"/> for Bulyan, which needs <c>n ≥ 4f + 3</c>.</summary>
    public static int TolerableByBulyan(int updates, int requested) => Math.Min(requested, Math.Max(0, (updates - 3) / 4));

    /// <summary>
    /// The score of each update of <paramref name="active"/> (in that order): the sum, in ascending order, of its
    /// <c>k = |active| - f - 2</c> smallest squared distances to the other active updates, k at least 1 (Flower's
    /// <c>max(1, n - f - 2)</c>) and at most the number of others; a lone update scores 0.
    /// </summary>
    /// <param name="distances">Row-major <paramref name="n"/> x <paramref name="n"/> squared distances.</param>
    public static double[] Scores(double[] distances, int n, IReadOnlyList<int> active, int f)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentNullException.ThrowIfNull(active);
        if (distances.Length != n * n) throw new ArgumentException($"expected {n} x {n} distances", nameof(distances));
        var others = active.Count - 1;
        var k = Math.Min(others, Math.Max(1, active.Count - f - 2));
        var scores = new double[active.Count];
        var row = new double[Math.Max(0, others)];
        for (var a = 0; a < active.Count; a++)
        {
            var i = active[a];
            var o = 0;
            foreach (var j in active)
            {
                if (j != i) row[o++] = distances[i * n + j];
            }
            Array.Sort(row);
            var score = 0.0;
            for (var c = 0; c < k; c++) score += row[c];
            scores[a] = score;
        }
        return scores;
    }

    /// <summary>
    /// The <paramref name="count"/> updates of <paramref name="active"/> with the lowest scores (ties: the lower index
    /// first), returned in ascending index order.
    /// </summary>
    public static int[] Best(double[] scores, IReadOnlyList<int> active, int count)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(active);
        if (count < 1 || count > active.Count) throw new ArgumentOutOfRangeException(nameof(count), $"choosing {count} of {active.Count}");
        return [.. Enumerable.Range(0, active.Count)
            .OrderBy(a => scores[a])
            .ThenBy(a => active[a])
            .Take(count)
            .Select(a => active[a])
            .Order()];
    }

    /// <summary>
    /// Bulyan's first step (El Mhamdi et al., 2018): <paramref name="count"/> updates chosen one at a time, each the Krum
    /// winner (with <paramref name="f"/>) among those not chosen yet; returned in the order chosen.
    /// </summary>
    public static int[] Iterated(double[] distances, int n, int f, int count)
    {
        if (count < 1 || count > n) throw new ArgumentOutOfRangeException(nameof(count), $"choosing {count} of {n}");
        var active = Enumerable.Range(0, n).ToList();
        var chosen = new int[count];
        for (var c = 0; c < count; c++)
        {
            var best = Best(Scores(distances, n, active, f), active, 1)[0];
            chosen[c] = best;
            active.Remove(best);
        }
        return chosen;
    }
}
