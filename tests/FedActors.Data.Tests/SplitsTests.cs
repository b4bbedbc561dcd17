namespace FedActors.Data.Tests;

public class SplitsTests
{
    private static int[] Labels(params int[] classSizes)
    {
        // Interleaved so class members are not contiguous.
        var labels = new List<int>();
        var left = (int[])classSizes.Clone();
        while (left.Any(n => n > 0))
        {
            for (var c = 0; c < left.Length; c++)
            {
                if (left[c] > 0)
                {
                    labels.Add(c);
                    left[c]--;
                }
            }
        }
        return labels.ToArray();
    }

    [Fact]
    public void Stratified_must_label_a_quarter_of_every_class()
    {
        var labels = Labels(100, 97, 55, 13, 300, 7);
        var (labeled, unlabeled) = Splits.Stratified(labels, 0.25, seed: 1);

        Assert.Equal((int)Math.Round(labels.Length * 0.25, MidpointRounding.AwayFromZero), labeled.Length);
        Assert.Equal(labels.Length, labeled.Length + unlabeled.Length);
        for (var c = 0; c < 6; c++)
        {
            var size = labels.Count(l => l == c);
            var inLabeled = labeled.Count(i => labels[i] == c);
            Assert.InRange(inLabeled, size * 0.25 - 1, size * 0.25 + 1);
        }
    }

    [Fact]
    public void Stratified_must_partition_the_indices_in_sorted_order()
    {
        var labels = Labels(40, 40, 41);
        var (labeled, unlabeled) = Splits.Stratified(labels, 0.3, seed: 2);
        Assert.Equal(Enumerable.Range(0, labels.Length), labeled.Concat(unlabeled).Order());
        Assert.Equal(labeled.Order(), labeled);
        Assert.Equal(unlabeled.Order(), unlabeled);
    }

    [Fact]
    public void Stratified_must_be_fixed_by_its_seed()
    {
        var labels = Labels(50, 50, 50, 50);
        Assert.Equal(Splits.Stratified(labels, 0.25, 3).Labeled, Splits.Stratified(labels, 0.25, 3).Labeled);
        Assert.NotEqual(Splits.Stratified(labels, 0.25, 3).Labeled, Splits.Stratified(labels, 0.25, 4).Labeled);
    }

    [Fact]
    public void Stratified_must_label_at_least_one_image_of_every_class_of_two_or_more()
    {
        var labels = Labels(2, 3, 1, 50);
        var (labeled, _) = Splits.Stratified(labels, 0.1, seed: 5);
        Assert.Contains(labeled, i => labels[i] == 0);
        Assert.Contains(labeled, i => labels[i] == 1);
        Assert.Contains(labeled, i => labels[i] == 3);
    }

    [Fact]
    public void Stratified_must_handle_empty_input_and_reject_bad_fractions()
    {
        var (labeled, unlabeled) = Splits.Stratified([], 0.25, 0);
        Assert.Empty(labeled);
        Assert.Empty(unlabeled);
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.Stratified([0, 1], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.Stratified([0, 1], 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.Stratified([0, 1], double.NaN, 0));
    }
}
