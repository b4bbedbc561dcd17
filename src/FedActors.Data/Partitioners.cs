using FedActors.Core;

namespace FedActors.Data;

/// <summary>
/// Deals a dataset's image indices out to clients. Each returns one sorted index array per client; together
/// they cover every index exactly once.
/// </summary>
public static class Partitioners
{
    /// <summary>A seeded shuffle cut into <paramref name="clients"/> shares whose sizes differ by at most one.</summary>
    public static int[][] Iid(int count, int clients, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        var order = Enumerable.Range(0, count).ToArray();
        Splits.Shuffle(order, new Random(Seeds.Derive32(seed, "partition-iid")));
        var parts = new int[clients][];
        for (var k = 0; k < clients; k++)
        {
            var start = (int)((long)count * k / clients);
            var end = (int)((long)count * (k + 1) / clients);
            parts[k] = order[start..end];
            Array.Sort(parts[k]);
        }
        return parts;
    }

    /// <summary>
    /// Label skew: for every class, client shares are drawn from a symmetric Dirichlet(<paramref name="alpha"/>)
    /// and the class's images (seeded shuffle) are cut at those proportions. Small alpha gives each client
    /// few classes; large alpha approaches IID. A client may end up empty when alpha is small.
    /// </summary>
    public static int[][] Dirichlet(IReadOnlyList<int> labels, int clients, double alpha, long seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be positive and finite");

        var byClass = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < labels.Count; i++)
        {
            if (!byClass.TryGetValue(labels[i], out var members)) byClass[labels[i]] = members = [];
            members.Add(i);
        }

        var parts = Enumerable.Range(0, clients).Select(_ => new List<int>()).ToArray();
        foreach (var (label, members) in byClass)
        {
            var rng = new Random(Seeds.Derive32(seed, "partition-dirichlet", "", label));
            var order = members.ToArray();
            Splits.Shuffle(order, rng);
            var shares = DirichletSample(rng, clients, alpha);
            var cumulative = 0.0;
            var start = 0;
            for (var k = 0; k < clients; k++)
            {
                cumulative += shares[k];
                var end = k == clients - 1 ? order.Length : Math.Min(order.Length, (int)Math.Round(cumulative * order.Length));
                parts[k].AddRange(order.AsSpan(start, end - start));
                start = end;
            }
        }
        return parts.Select(p =>
        {
            var a = p.ToArray();
            Array.Sort(a);
            return a;
        }).ToArray();
    }

    /// <summary>
    /// Dirichlet label skew (<see cref="Dirichlet"/>) with every client holding at least <paramref name="minSize"/>
    /// images: a draw that leaves a client smaller is replaced by the next seeded draw, at most
    /// <paramref name="maxTrials"/> times (as flwr-datasets' DirichletPartitioner does); then it fails naming the sizes.
    /// </summary>
    /// <exception cref="ArgumentException">No draw in <paramref name="maxTrials"/> gave every client <paramref name="minSize"/> images.</exception>
    public static int[][] Dirichlet(IReadOnlyList<int> labels, int clients, double alpha, long seed, int minSize, int maxTrials = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrials, 1);
        int[][] parts = [];
        for (var trial = 0; trial < maxTrials; trial++)
        {
            parts = Dirichlet(labels, clients, alpha, trial == 0 ? seed : Seeds.Derive(seed, "partition-dirichlet-retry", "", trial));
            if (parts.All(p => p.Length >= minSize)) return parts;
        }
        throw new ArgumentException(
            $"no Dirichlet({alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}) draw in {maxTrials} gave each of {clients} clients " +
            $"at least {minSize} of {labels.Count} images (last draw's smallest: {parts.Min(p => p.Length)}); raise alpha, lower min-images or use fewer clients");
    }

    /// <summary>
    /// Pathological label skew (McMahan et al. 2017): the images sorted by label (ties in a seeded order) are cut into
    /// <paramref name="clients"/> x <paramref name="shardsPerClient"/> equal shards, dealt to clients in a seeded order, so
    /// each client holds <paramref name="shardsPerClient"/> shards: about that many classes.
    /// </summary>
    public static int[][] Shards(IReadOnlyList<int> labels, int clients, int shardsPerClient, long seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardsPerClient, 1);
        var rng = new Random(Seeds.Derive32(seed, "partition-shards"));
        var order = Enumerable.Range(0, labels.Count).ToArray();
        Splits.Shuffle(order, rng);
        var sorted = order.OrderBy(i => labels[i]).ToArray(); // stable: equal labels keep the shuffled order
        var shards = clients * shardsPerClient;
        var deal = Enumerable.Range(0, shards).ToArray();
        Splits.Shuffle(deal, rng);
        var parts = new int[clients][];
        for (var k = 0; k < clients; k++)
        {
            var mine = new List<int>();
            for (var j = 0; j < shardsPerClient; j++)
            {
                var shard = deal[k * shardsPerClient + j];
                var start = (int)((long)sorted.Length * shard / shards);
                var end = (int)((long)sorted.Length * (shard + 1) / shards);
                mine.AddRange(sorted.AsSpan(start, end - start));
            }
            parts[k] = [.. mine.Order()];
        }
        return parts;
    }

    /// <summary>
    /// Quantity skew with IID labels: client sizes drawn from <paramref name="sizes"/> (log-normal or power law), scaled to
    /// the <paramref name="count"/> images with at least <paramref name="minSize"/> each (largest remainders get the rest),
    /// then a seeded shuffle cut at those sizes.
    /// </summary>
    /// <exception cref="ArgumentException">The images cannot give every client <paramref name="minSize"/>.</exception>
    public static int[][] Quantity(int count, int clients, QuantitySkew sizes, long seed, int minSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegative(minSize);
        if ((long)clients * minSize > count)
            throw new ArgumentException($"{count} images cannot give each of {clients} clients at least {minSize}");
        var rng = new Random(Seeds.Derive32(seed, "partition-quantity"));
        var weights = Enumerable.Range(0, clients).Select(_ => sizes.Draw(rng)).ToArray();
        var total = weights.Sum();
        var free = count - clients * minSize;
        var exact = weights.Select(w => w / total * free).ToArray();
        var size = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var k in Enumerable.Range(0, clients).OrderByDescending(k => exact[k] - size[k]).ThenBy(k => k).Take(free - size.Sum())) size[k]++;
        var order = Enumerable.Range(0, count).ToArray();
        Splits.Shuffle(order, rng);
        var parts = new int[clients][];
        var start = 0;
        for (var k = 0; k < clients; k++)
        {
            var n = size[k] + minSize;
            parts[k] = [.. order.AsSpan(start, n).ToArray().Order()];
            start += n;
        }
        return parts;
    }

    /// <summary>
    /// Natural owners: one client per distinct <paramref name="owners"/> value (ordinal order of the values), holding
    /// the images of that owner.
    /// </summary>
    public static (string[] Owners, int[][] Parts) Natural(IReadOnlyList<string> owners)
    {
        ArgumentNullException.ThrowIfNull(owners);
        var names = owners.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var parts = names.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < owners.Count; i++) parts[index[owners[i]]].Add(i);
        return (names, [.. parts.Select(p => p.ToArray())]);
    }

    private static double[] DirichletSample(Random rng, int k, double alpha)
    {
        var x = new double[k];
        var sum = 0.0;
        for (var i = 0; i < k; i++)
        {
            x[i] = Gamma(rng, alpha);
            sum += x[i];
        }
        if (sum <= 0)
        {
            // Every draw underflowed (alpha tiny): all mass to one client, as the limit alpha -> 0 does.
            Array.Clear(x);
            x[rng.Next(k)] = 1;
            return x;
        }
        for (var i = 0; i < k; i++) x[i] /= sum;
        return x;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia–Tsang; shape &lt; 1 via the U^(1/shape) boost.</summary>
    private static double Gamma(Random rng, double shape)
    {
        if (shape < 1)
        {
            var u = rng.NextDouble();
            return Gamma(rng, shape + 1) * Math.Pow(u, 1 / shape);
        }
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                z = Normal(rng);
                v = 1 + c * z;
            } while (v <= 0);
            v = v * v * v;
            var u = 1 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * z * z + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    internal static double Normal(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>How client sizes are drawn for <see cref="Partitioners.Quantity"/>.</summary>
public abstract record QuantitySkew
{
    internal abstract double Draw(Random rng);

    /// <summary>Sizes proportional to exp(N(0, sigma²)): sigma 0 is equal sizes, 1-2 strongly skewed.</summary>
    public sealed record LogNormal(double Sigma) : QuantitySkew
    {
        internal override double Draw(Random rng) => Math.Exp(Sigma * Partitioners.Normal(rng));
    }

    /// <summary>Sizes from a Pareto (power-law) tail with this exponent: x = U^(-1/exponent); smaller is more skewed.</summary>
    public sealed record PowerLaw(double Exponent) : QuantitySkew
    {
        internal override double Draw(Random rng) => Math.Pow(1 - rng.NextDouble(), -1 / Exponent);
    }
}
