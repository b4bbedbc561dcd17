using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>
/// The counts behind Acc@1 and Acc@k: in how many rows of a batch of logits the label has the highest logit, and
/// in how many it is among the <c>k</c> highest. Logits that tie are ranked as <c>torch.topk</c> ranks them, so a
/// tie matters only where it straddles the label's rank.
/// </summary>
public static class TopKHits
{
    /// <param name="logits">[N, C] scores.</param>
    /// <param name="labels">[N] class indices (int64).</param>
    /// <param name="k">1..C; Acc@5 of a task with fewer than five classes uses k = C.</param>
    /// <returns>Top-1 hits and top-k hits, each 0..N. Call inside a dispose scope: the intermediates are left to it.</returns>
    public static (long Top1, long TopK) Count(Tensor logits, Tensor labels, int k)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.dim() != 2) throw new ArgumentException($"logits must be [N, C], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        if (labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException($"labels must be [{logits.shape[0]}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, logits.shape[1]);
        var best = logits.topk(k, dim: 1).indexes;
        var hits = best.eq(labels.unsqueeze(1));
        return (hits.narrow(1, 0, 1).sum().item<long>(), hits.sum().item<long>());
    }
}
