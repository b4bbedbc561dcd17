using System.Globalization;

namespace FedActors.Core.Strategies;

/// <summary>
/// One numeric parameter of a strategy, as config names it (<c>server-learning-rate</c>, <c>beta1</c>, <c>f</c>): its
/// default (Flower's where Flower has one; null when the parameter must be given), the values it accepts and what it
/// means. <see cref="StrategyFactory.Parameters"/> lists them per strategy, so config validation can name a bad key.
/// </summary>
public sealed record StrategyParameter(string Name, double? Default, string Description)
{
    public double Minimum { get; init; } = double.NegativeInfinity;
    public double Maximum { get; init; } = double.PositiveInfinity;

    /// <summary>The minimum itself is not allowed (a learning rate must be above 0).</summary>
    public bool MinimumExcluded { get; init; }

    /// <summary>The maximum itself is not allowed (a decay must stay below 1).</summary>
    public bool MaximumExcluded { get; init; }

    /// <summary>Only whole numbers (counts, flags).</summary>
    public bool Integer { get; init; }

    /// <summary>The accepted values in interval notation, <c>integer</c> prefixed where only whole numbers are: <c>[0, 1)</c>, <c>integer [0, inf)</c>.</summary>
    public string Range =>
        (Integer ? "integer " : "") + (MinimumExcluded ? "(" : "[") + Number(Minimum) + ", " + Number(Maximum) + (MaximumExcluded ? ")" : "]");

    /// <summary>Why <paramref name="value"/> is not accepted, or null when it is.</summary>
    public string? Problem(double value)
    {
        if (!double.IsFinite(value)) return $"{Name} must be a finite number, got {Number(value)}";
        var below = MinimumExcluded ? value <= Minimum : value < Minimum;
        var above = MaximumExcluded ? value >= Maximum : value > Maximum;
        if (below || above || (Integer && value != Math.Floor(value)))
            return $"{Name} = {Number(value)} is out of range: {Range}";
        return null;
    }

    /// <summary><paramref name="value"/> when accepted; otherwise an <see cref="ArgumentOutOfRangeException"/> naming the parameter.</summary>
    public double Check(double value) =>
        Problem(value) is { } problem ? throw new ArgumentOutOfRangeException(Name, value, problem) : value;

    /// <summary>
    /// Every parameter of <paramref name="known"/> with its value: given, or the default. Throws an
    /// <see cref="ArgumentException"/> naming the strategy and the parameter for a name not in <paramref name="known"/>,
    /// a value out of range, or a parameter without default that was not given.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Resolve(
        string strategy, IReadOnlyList<StrategyParameter> known, IReadOnlyDictionary<string, double> given)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(given);
        foreach (var name in given.Keys.Order(StringComparer.Ordinal))
        {
            if (known.All(p => p.Name != name))
            {
                var names = known.Count == 0 ? "none" : string.Join(", ", known.Select(p => p.Name));
                throw new ArgumentException($"strategy '{strategy}' has no parameter '{name}' (its parameters: {names})", nameof(given));
            }
        }
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var parameter in known)
        {
            if (given.TryGetValue(parameter.Name, out var value))
            {
                if (parameter.Problem(value) is { } problem)
                    throw new ArgumentException($"strategy '{strategy}': {problem}", nameof(given));
            }
            else
            {
                value = parameter.Default
                    ?? throw new ArgumentException($"strategy '{strategy}' needs parameter '{parameter.Name}' ({parameter.Description})", nameof(given));
            }
            values[parameter.Name] = value;
        }
        return values;
    }

    internal static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
