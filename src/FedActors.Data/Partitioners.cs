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

    private static double Normal(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
