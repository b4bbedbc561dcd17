using FedActors.Core;

namespace FedActors.Data;

/// <summary>
/// The paper's labeled/unlabeled split: per class, a seeded random share of the images keeps its label
/// (25 % by default) and the rest is treated as unlabeled.
/// </summary>
public static class Splits
{
    public const double DefaultLabeledFraction = 0.25;

    /// <summary>
    /// Splits image indices per class. Class c with n_c images gets floor(n_c * f) or that plus one
    /// labeled images (largest remainders first, so the total is round(N * f)), and at least one when
    /// n_c &gt;= 2. Which images are labeled is a seeded shuffle within the class; both arrays come back
    /// sorted ascending, so the result depends only on (labels, fraction, seed).
    /// </summary>
    public static (int[] Labeled, int[] Unlabeled) Stratified(IReadOnlyList<int> labels, double labeledFraction = DefaultLabeledFraction, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(labeledFraction > 0 && labeledFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(labeledFraction), labeledFraction, "must be strictly between 0 and 1");

        var byClass = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"label {labels[i]} of image {i} is negative", nameof(labels));
            if (!byClass.TryGetValue(labels[i], out var members)) byClass[labels[i]] = members = [];
            members.Add(i);
        }

        var quota = Quotas(byClass.Values.Select(m => m.Count).ToArray(), labels.Count, labeledFraction);
        var labeled = new List<int>();
        var unlabeled = new List<int>();
        var k = 0;
        foreach (var (label, members) in byClass)
        {
            var order = members.ToArray();
            Shuffle(order, new Random(Seeds.Derive32(seed, "stratified-split", "", label)));
            labeled.AddRange(order.AsSpan(0, quota[k]));
            unlabeled.AddRange(order.AsSpan(quota[k]));
            k++;
        }
        labeled.Sort();
        unlabeled.Sort();
        return (labeled.ToArray(), unlabeled.ToArray());
    }

    /// <summary>Largest-remainder apportionment of round(total * f) over classes, at least 1 per class of 2+.</summary>
    private static int[] Quotas(int[] sizes, int total, double fraction)
    {
        var quota = new int[sizes.Length];
        var remainders = new double[sizes.Length];
        var assigned = 0;
        for (var c = 0; c < sizes.Length; c++)
        {
            var exact = sizes[c] * fraction;
            quota[c] = (int)Math.Floor(exact);
            remainders[c] = exact - quota[c];
            assigned += quota[c];
        }
        var target = (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);
        var byRemainder = Enumerable.Range(0, sizes.Length)
            .OrderByDescending(c => remainders[c])
            .ThenBy(c => c)
            .ToArray();
        for (var i = 0; i < byRemainder.Length && assigned < target; i++)
        {
            var c = byRemainder[i];
            if (quota[c] < sizes[c] && remainders[c] > 0)
            {
                quota[c]++;
                assigned++;
            }
        }
        for (var c = 0; c < sizes.Length; c++)
        {
            if (sizes[c] >= 2 && quota[c] == 0) quota[c] = 1;
        }
        return quota;
    }

    /// <summary>Fisher–Yates with our own index draws, so the order never depends on a runtime's Shuffle.</summary>
    internal static void Shuffle(int[] items, Random rng)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
