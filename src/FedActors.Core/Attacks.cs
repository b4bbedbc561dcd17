using System.Numerics.Tensors;

namespace FedActors.Core;

/// <summary>
/// Byzantine updates, as a malicious client would send them: pure functions of the global it was sent and the update
/// it honestly trained (for robustness experiments and strategy tests). Every tensor the honest update carries is
/// replaced; integer BatchNorm counters (<c>num_batches_tracked</c>) are left as trained, since validation would refuse a
/// crafted one and an attacker gains nothing by it.
/// </summary>
public static class Attacks
{
    /// <summary>Sign flipping: global − s·(update − global): the update pushed the other way, <paramref name="factor"/> times as far.</summary>
    public static ModelWeights SignFlip(ModelWeights global, ModelWeights update, double factor) =>
        Map(global, update, (_, g, u, d) =>
        {
            TensorPrimitives.Subtract(u, g, d);
            TensorPrimitives.Multiply(d, (float)-factor, d);
            TensorPrimitives.Add(d, g, d);
        });

    /// <summary>Scaling (model replacement / boosting): global + s·(update − global).</summary>
    public static ModelWeights Scale(ModelWeights global, ModelWeights update, double factor) =>
        Map(global, update, (_, g, u, d) =>
        {
            TensorPrimitives.Subtract(u, g, d);
            TensorPrimitives.Multiply(d, (float)factor, d);
            TensorPrimitives.Add(d, g, d);
        });

    /// <summary>Gaussian noise of standard deviation <paramref name="std"/> added to every value, drawn from <paramref name="seed"/>.</summary>
    public static ModelWeights Noise(ModelWeights global, ModelWeights update, double std, long seed)
    {
        var rng = new Random(Seeds.Derive32(seed, "attack-noise"));
        return Map(global, update, (_, _, u, d) =>
        {
            for (var i = 0; i < d.Length; i++) d[i] = u[i] + (float)(std * Gaussian(rng));
        });
    }

    /// <summary>Every value replaced by <paramref name="value"/>.</summary>
    public static ModelWeights Constant(ModelWeights global, ModelWeights update, double value) =>
        Map(global, update, (_, _, _, d) => Array.Fill(d, (float)value));

    /// <summary>
    /// Collusion: global + <paramref name="norm"/>·v, where v is one random unit direction over the update's tensors drawn
    /// from <paramref name="sharedSeed"/>: every colluder with the same seed (the run's, for the round) sends the same update.
    /// </summary>
    public static ModelWeights Collude(ModelWeights global, ModelWeights update, double norm, long sharedSeed)
    {
        var rng = new Random(Seeds.Derive32(sharedSeed, "attack-collude"));
        var direction = update.Where(t => !IsCounter(t.Name)).Select(t => (t.Name, Values: t.Data.Select(_ => (float)Gaussian(rng)).ToArray())).ToList();
        var length = Math.Sqrt(direction.Sum(d => (double)TensorPrimitives.SumOfSquares<float>(d.Values)));
        var scale = length > 0 ? (float)(norm / length) : 0f;
        var byName = direction.ToDictionary(d => d.Name, d => d.Values, StringComparer.Ordinal);
        return Map(global, update, (name, g, _, d) =>
        {
            TensorPrimitives.Multiply(byName[name], scale, d);
            TensorPrimitives.Add(d, g, d);
        });
    }

    private static bool IsCounter(string name) => name.EndsWith("num_batches_tracked", StringComparison.Ordinal);

    /// <summary>The update with every tensor but the counters crafted into a fresh array from (name, global, update).</summary>
    private static ModelWeights Map(ModelWeights global, ModelWeights update, Action<string, float[], float[], float[]> craft)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        return new ModelWeights(update.Select(t =>
        {
            if (IsCounter(t.Name) || !global.TryGet(t.Name, out var g) || !g.SameShape(t)) return t;
            var data = new float[t.Data.Length];
            craft(t.Name, g.Data, t.Data, data);
            return new NamedTensor(t.Name, t.Shape, data);
        }));
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
