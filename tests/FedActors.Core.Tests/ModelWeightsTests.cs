using FedActors.Core;

namespace FedActors.Core.Tests;

public sealed class ModelWeightsTests
{
    [Fact]
    public void Tensor_must_reject_data_that_does_not_fit_its_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => new NamedTensor("conv1.weight", [2, 3], new float[5]));
        Assert.Contains("conv1.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_must_reject_duplicate_names()
    {
        var t = new NamedTensor("a", [1], [1f]);
        Assert.Throws<ArgumentException>(() => new ModelWeights([t, t]));
    }

    [Fact]
    public void With_must_replace_in_place_and_append_new_tensors()
    {
        var w = new ModelWeights([new NamedTensor("a", [1], [1f]), new NamedTensor("b", [1], [2f])]);
        var merged = w.With(new ModelWeights([new NamedTensor("b", [1], [5f]), new NamedTensor("c", [1], [6f])]));
        Assert.Equal(["a", "b", "c"], merged.Names);
        Assert.Equal(5f, merged["b"].Data[0]);
        Assert.Equal(2f, w["b"].Data[0]);
    }

    [Fact]
    public void Content_hash_must_change_with_any_value_and_name()
    {
        ModelWeights Make(string name, float v) => new([new NamedTensor(name, [2], [1f, v])]);
        Assert.Equal(Make("a", 2f).ContentHash(), Make("a", 2f).ContentHash());
        Assert.NotEqual(Make("a", 2f).ContentHash(), Make("a", 2.0001f).ContentHash());
        Assert.NotEqual(Make("a", 2f).ContentHash(), Make("b", 2f).ContentHash());
    }
}
