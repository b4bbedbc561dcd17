using System.Globalization;

namespace FedActors.Engine;

/// <summary>
/// The simulated devices of a federation (FedScale-style): how long each client's fit takes in simulated time, and
/// when each client can be reached. Pure: equal arguments, equal answers. Made by the composition layer from device
/// profiles and traces; the engine only asks it.
/// </summary>
public interface IDeviceModel
{
    /// <summary>
    /// Simulated seconds of a fit of <paramref name="phase"/> on <paramref name="clientId"/>'s device: its local compute
    /// plus receiving and sending a model of <paramref name="modelBytes"/>.
    /// </summary>
    double FitSeconds(string clientId, string phase, long modelBytes);

    /// <summary>Whether the client can be reached at simulated time <paramref name="simulatedSeconds"/> (its availability trace).</summary>
    bool IsActive(string clientId, double simulatedSeconds);
}

/// <summary>
/// The simulated clock of an experiment: a round lasts as long as its slowest accepted participant's fit
/// (<see cref="IDeviceModel.FitSeconds"/>); with a <see cref="Deadline"/>, a participant whose fit would end later is
/// not asked to fit, counts as late, and the round lasts the deadline. Retried attempts add up. Only the fits are
/// timed (evaluation is a measurement, not part of training).
/// </summary>
/// <param name="Devices">The clients' simulated devices.</param>
/// <param name="Deadline">Simulated deadline of a round's fits, in seconds; 0 or less = none.</param>
/// <param name="StartSeconds">Simulated time before the first round (a resumed run's time so far).</param>
public sealed record SimulatedClock(IDeviceModel Devices, double Deadline = 0, double StartSeconds = 0)
{
    /// <summary>Whether a fit of <paramref name="seconds"/> misses the deadline.</summary>
    public bool IsLate(double seconds) => Deadline > 0 && seconds > Deadline;

    /// <summary>The failure reason of a participant the deadline leaves out.</summary>
    public string LateReason(double seconds) => string.Create(
        CultureInfo.InvariantCulture, $"{FailureReasons.Deadline}{Deadline:0.###} s of simulated time (its fit would take {seconds:0.###} s)");

    /// <summary>
    /// Simulated duration of one attempt: the slowest accepted fit; the deadline when the deadline left someone out;
    /// 0 when nothing was accepted and nobody was late.
    /// </summary>
    public double AttemptSeconds(IEnumerable<double> acceptedFits, bool someoneLate)
    {
        ArgumentNullException.ThrowIfNull(acceptedFits);
        var slowest = acceptedFits.DefaultIfEmpty(0).Max();
        return someoneLate ? Math.Max(Deadline, slowest) : slowest;
    }
}
