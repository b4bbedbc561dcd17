using System.Globalization;

namespace FedActors.Learning.Training;

/// <summary>
/// The per-round settings a <see cref="Core.FitIns"/> may carry as strings, Flower-style, over the
/// client's <see cref="PhaseSettings"/>. Unknown keys are left to other layers.
/// </summary>
public sealed record FitConfig(double LearningRate, int Epochs, int? TotalRounds, HeadTrainable HeadTrainable)
{
    /// <summary>FedProx's mu: the weight of the proximal term (mu/2)||w − w_global||² added to the loss; 0 = none.</summary>
    public double ProximalMu { get; init; }

    /// <summary>Train on flipped labels, class c as C − 1 − c (a simulated Byzantine client); supervised phases only.</summary>
    public bool LabelFlip { get; init; }

    /// <summary>FedProx's proximal weight (non-negative number).</summary>
    public const string ProximalMuKey = "proximal-mu";

    /// <summary>Simulated label flipping (true or false).</summary>
    public const string LabelFlipKey = "label-flip";

    /// <summary>Peak learning rate of this round's schedule (number).</summary>
    public const string LearningRateKey = "lr";

    /// <summary>Local epochs this round (positive integer).</summary>
    public const string EpochsKey = "epochs";

    /// <summary>Rounds in the phase, for the cosine schedule (positive integer). Absent: constant rate.</summary>
    public const string TotalRoundsKey = "total-rounds";

    /// <summary><c>head | last-stage | all</c>, overriding <see cref="LearningSettings.HeadTrainable"/>.</summary>
    public const string HeadTrainableKey = "head-trainable";

    public static FitConfig Parse(IReadOnlyDictionary<string, string>? config, PhaseSettings phase, HeadTrainable headTrainable)
    {
        ArgumentNullException.ThrowIfNull(phase);
        config ??= new Dictionary<string, string>();
        var lr = phase.LearningRate;
        if (Value(config, LearningRateKey) is { } lrText)
        {
            if (!double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out lr) || !(lr > 0) || double.IsInfinity(lr))
                throw new FormatException($"fit config '{LearningRateKey}' = '{lrText}' is not a positive number");
        }
        var epochs = phase.LocalEpochs;
        if (Value(config, EpochsKey) is { } epochsText) epochs = PositiveInt(EpochsKey, epochsText);
        int? totalRounds = Value(config, TotalRoundsKey) is { } roundsText ? PositiveInt(TotalRoundsKey, roundsText) : null;
        if (Value(config, HeadTrainableKey) is { } modeText)
        {
            try
            {
                headTrainable = LearningSettings.ParseHeadTrainable(modeText);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"fit config '{HeadTrainableKey}': {e.Message}", e);
            }
        }
        var mu = 0.0;
        if (Value(config, ProximalMuKey) is { } muText
            && (!double.TryParse(muText, NumberStyles.Float, CultureInfo.InvariantCulture, out mu) || !(mu >= 0) || double.IsInfinity(mu)))
            throw new FormatException($"fit config '{ProximalMuKey}' = '{muText}' is not a non-negative number");
        var flip = false;
        if (Value(config, LabelFlipKey) is { } flipText && !bool.TryParse(flipText, out flip))
            throw new FormatException($"fit config '{LabelFlipKey}' = '{flipText}' is not true or false");
        return new FitConfig(lr, epochs, totalRounds, headTrainable) { ProximalMu = mu, LabelFlip = flip };
    }

    private static string? Value(IReadOnlyDictionary<string, string> config, string key) =>
        config.TryGetValue(key, out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    private static int PositiveInt(string key, string text)
    {
        // Lenient: "3", "3.0" and "3e0" are all three.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && value >= 1 && value <= int.MaxValue && value == Math.Floor(value))
            return (int)value;
        throw new FormatException($"fit config '{key}' = '{text}' is not a positive integer");
    }
}
