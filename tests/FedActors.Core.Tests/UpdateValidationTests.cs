using FedActors.Core;

namespace FedActors.Core.Tests;

public class UpdateValidationTests
{
    private static readonly ModelWeights Global = new(
    [
        new NamedTensor("backbone.w", [2, 2], [1f, 2f, 3f, 4f]),
        new NamedTensor("heads.A.w", [3], [0f, 0f, 0f]),
    ]);

    private static ModelWeights Update(params NamedTensor[] tensors) => new(tensors);

    [Fact]
    public void UpdateValidation_must_accept_a_finite_update_of_a_subset_of_the_global()
    {
        Assert.Null(UpdateValidation.Check(Global, Update(new NamedTensor("heads.A.w", [3], [1f, 2f, 3f])), 5));
        Assert.Null(UpdateValidation.Check(Global, Global, 1));
    }

    [Theory]
    [InlineData(float.NaN, "NaN at index 2")]
    [InlineData(float.PositiveInfinity, "Infinity at index 2")]
    [InlineData(float.NegativeInfinity, "-Infinity at index 2")]
    public void UpdateValidation_must_reject_non_finite_values_naming_tensor_and_index(float bad, string expected)
    {
        var reason = UpdateValidation.Check(Global, Update(new NamedTensor("heads.A.w", [3], [0f, 1f, bad])), 1);

        Assert.NotNull(reason);
        Assert.Contains("'heads.A.w'", reason, StringComparison.Ordinal);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateValidation_must_find_a_non_finite_value_anywhere_in_a_long_tensor()
    {
        for (var at = 0; at < 70; at += 7)
        {
            var values = new float[70];
            values[at] = float.NaN;
            Assert.Equal(at, UpdateValidation.FirstNonFinite(values));
        }
        Assert.Equal(-1, UpdateValidation.FirstNonFinite(new float[70]));
        Assert.Equal(-1, UpdateValidation.FirstNonFinite([float.MaxValue, float.MinValue, float.Epsilon]));
    }

    [Fact]
    public void UpdateValidation_must_reject_an_unknown_tensor()
    {
        var reason = UpdateValidation.Check(Global, Update(new NamedTensor("heads.B.w", [3], [0f, 0f, 0f])), 1);

        Assert.Equal("unknown tensor 'heads.B.w' (the global has no tensor of that name)", reason);
    }

    [Fact]
    public void UpdateValidation_must_reject_another_shape_even_with_the_same_number_of_values()
    {
        var reason = UpdateValidation.Check(Global, Update(new NamedTensor("backbone.w", [4], [1f, 2f, 3f, 4f])), 1);

        Assert.Equal("tensor 'backbone.w' has shape [4], the global [2,2]", reason);
    }

    [Fact]
    public void UpdateValidation_must_reject_an_empty_update_and_a_non_positive_sample_count()
    {
        Assert.Equal("carries no tensors", UpdateValidation.Check(Global, ModelWeights.Empty, 3));
        Assert.Contains("0 examples", UpdateValidation.Check(Global, Global, 0), StringComparison.Ordinal);
        Assert.Contains("-2 examples", UpdateValidation.Check(Global, Global, -2), StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateValidation_must_bound_the_norm_of_the_difference_to_the_global()
    {
        // Differences 3 and 4 on backbone.w: norm 5.
        var update = Update(new NamedTensor("backbone.w", [2, 2], [4f, 2f, 3f, 8f]));

        Assert.Equal(5.0, UpdateValidation.DeltaNorm(Global, update), 12);
        Assert.Null(UpdateValidation.Check(Global, update, 1, maxUpdateNorm: 5.0));
        Assert.Null(UpdateValidation.Check(Global, update, 1, maxUpdateNorm: 0));
        Assert.Equal("update norm 5 exceeds the bound 4.99", UpdateValidation.Check(Global, update, 1, maxUpdateNorm: 4.99));
    }

    [Fact]
    public void UpdateValidation_must_sum_the_norm_over_long_tensors_in_double_precision()
    {
        const int n = 100_003;
        var zeros = new ModelWeights([new NamedTensor("w", [n], new float[n])]);
        var ones = new ModelWeights([new NamedTensor("w", [n], Enumerable.Repeat(1f, n).ToArray())]);

        Assert.Equal(Math.Sqrt(n), UpdateValidation.DeltaNorm(zeros, ones), 9);
    }
}
