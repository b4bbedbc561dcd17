using FedActors.Learning.Training;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>The Acc@1 / Acc@5 counts on logits small enough to rank by hand.</summary>
[Collection("torch")]
public sealed class TopKHitsTests
{
    private static (long Top1, long TopK) Count(float[][] logits, long[] labels, int k)
    {
        using var scope = NewDisposeScope();
        var classes = logits[0].Length;
        return TopKHits.Count(tensor(logits.SelectMany(r => r).ToArray(), [logits.Length, classes]), tensor(labels), k);
    }

    [Fact]
    public void Count_must_rank_each_row_by_its_own_logits()
    {
        // Row 0 ranks the classes 1 > 4 > 5 > 2 > 3 > 0.
        float[] ranked = [0.1f, 0.9f, 0.3f, 0.2f, 0.5f, 0.4f];
        float[][] logits = [ranked, ranked, ranked, ranked, [3f, -2f, 0f, 1f, 2f, -1f]];
        long[] labels =
        [
            1, // first: top-1 and top-5
            4, // second: top-5 only
            3, // fifth: top-5 only
            0, // sixth: neither
            0, // first of another ranking (0 > 4 > 3 > 2 > 5 > 1)
        ];

        Assert.Equal((2L, 4L), Count(logits, labels, k: 5));
        Assert.Equal((2L, 3L), Count(logits, labels, k: 2)); // rows 0, 1 and 4
        Assert.Equal((2L, 2L), Count(logits, labels, k: 1));
    }

    [Fact]
    public void Count_must_leave_ties_away_from_the_label_rank_without_effect()
    {
        float[][] logits =
        [
            [2f, 2f, 1f, 0f, 0f, -1f], // classes 0 and 1 tie first, 3 and 4 tie fourth: the top five are 0-4 either way
            [2f, 2f, 1f, 0f, 0f, -1f],
            [2f, 2f, 1f, 0f, 0f, -1f],
            [1f, 5f, 1f, 1f, 1f, 1f],  // the label alone on top of five equal logits
        ];
        long[] labels =
        [
            3, // in the top five, not first
            5, // sixth, strictly below the rest
            2, // third, strictly
            1,
        ];

        Assert.Equal((1L, 3L), Count(logits, labels, k: 5));
    }

    [Fact]
    public void Count_must_hit_every_row_when_k_covers_every_class()
    {
        // Three classes: Acc@5 is taken with k = 3, which every label meets, ties or not.
        float[][] logits = [[0f, 0f, 0f], [1f, 3f, 2f], [1f, 3f, 2f], [1f, 3f, 2f]];
        long[] labels = [2, 0, 1, 2];

        var (top1, topK) = Count(logits, labels, k: 3);

        Assert.Equal(4, topK);
        Assert.InRange(top1, 1, 2); // row 2 hits (its label has the 3), rows 1 and 3 miss; row 0 is a three-way tie
        Assert.Equal((1L, 1L), Count([[1f, 3f, 2f]], [1], k: 3));
    }

    [Fact]
    public void Count_must_refuse_a_k_outside_the_classes_and_mismatched_shapes()
    {
        float[][] logits = [[1f, 2f, 3f]];
        Assert.Throws<ArgumentOutOfRangeException>(() => Count(logits, [0], k: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Count(logits, [0], k: 0));
        Assert.Throws<ArgumentException>(() => Count(logits, [0, 1], k: 1));
    }
}
