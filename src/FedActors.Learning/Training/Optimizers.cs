using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>Builds a phase's optimiser and sets its learning rate step by step.</summary>
public static class Optimizers
{
    public static optim.Optimizer Create(IEnumerable<Parameter> parameters, PhaseSettings phase, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(phase);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException("nothing to optimise: no trainable parameters");
        return phase.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(list, learningRate, momentum: phase.Momentum, weight_decay: phase.WeightDecay),
            OptimizerKind.Adam => optim.Adam(list, learningRate, weight_decay: phase.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(list, learningRate, weight_decay: phase.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase.Optimizer, "unknown optimizer"),
        };
    }

    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
