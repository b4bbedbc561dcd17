using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning.Training;

/// <summary>
/// SimCLR's normalised-temperature cross entropy. For 2N projections of N images (two views each), each
/// view must pick its partner among the other 2N−1 by cosine similarity / τ: the loss is the mean over all
/// 2N views of −log softmax at the partner, with a view's similarity to itself masked out.
/// </summary>
public static class NtXentLoss
{
    /// <param name="view1">[N, D] projections of the first views.</param>
    /// <param name="view2">[N, D] projections of the second views; row i pairs with row i of <paramref name="view1"/>.</param>
    /// <param name="temperature">τ &gt; 0; lower sharpens the softmax.</param>
    public static Tensor Compute(Tensor view1, Tensor view2, double temperature)
    {
        ArgumentNullException.ThrowIfNull(view1);
        ArgumentNullException.ThrowIfNull(view2);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive");
        if (view1.dim() != 2 || !view1.shape.SequenceEqual(view2.shape))
            throw new ArgumentException($"views must both be [N, D], got [{string.Join(",", view1.shape)}] and [{string.Join(",", view2.shape)}]");
        using var scope = NewDisposeScope();
        var n = view1.shape[0];
        // float32 whatever the network computed in (a mixed-precision fit's projections are bfloat16 or float16).
        var z = F.normalize(cat([view1, view2], 0).to(ScalarType.Float32), dim: 1);
        var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        // Rooted scalars and a C#-built index: no temporary Scalar reaches libtorch (see RootedScalars).
        var logits = z.mm(z.t()).div_(RootedScalars.Of(temperature)).masked_fill(self, RootedScalars.Of(double.NegativeInfinity));
        var partnerOf = new long[2 * n];
        for (var i = 0L; i < n; i++)
        {
            partnerOf[i] = n + i;
            partnerOf[n + i] = i;
        }
        var partner = tensor(partnerOf, device: z.device);
        return F.cross_entropy(logits, partner).MoveToOuterDisposeScope();
    }
}
