using FedActors.Learning.Augmentation;
using FedActors.Learning.Models;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>The SimCLR loss of one batch, as every client computes it (and the SimCLR benchmark times it).</summary>
internal static class SimClrStep
{
    /// <summary>
    /// Two per-sample augmented views of each of <paramref name="images"/> (uint8, on the network's device), through
    /// backbone and projector in one forward pass, so that BatchNorm normalises both views with the same statistics;
    /// then NT-Xent between the views. Allocates tensors: call it inside a dispose scope.
    /// </summary>
    /// <param name="augment">The views' augmentation; null = <see cref="LearningSettings.SimClrAugment"/>.</param>
    public static Tensor Loss(
        ResNet backbone, ProjectionHead projector, Tensor images, LearningSettings settings, Generator generator, AugmentSettings? augment = null)
    {
        augment ??= settings.SimClrAugment;
        var views = cat([
            ImageAugmentation.AugmentAndNormalize(images, augment, settings.Normalization, generator),
            ImageAugmentation.AugmentAndNormalize(images, augment, settings.Normalization, generator),
        ], 0);
        var projections = projector.call(backbone.call(views));
        var n = images.shape[0];
        return NtXentLoss.Compute(projections.narrow(0, 0, n), projections.narrow(0, n, n), settings.Temperature);
    }
}
