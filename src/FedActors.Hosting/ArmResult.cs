using FedActors.Engine;

namespace FedActors.Hosting;

/// <summary>Final accuracy of one client (or pooled centralized client) in one arm.</summary>
public sealed record ClientResult(string Arm, string Task, string Client, double Acc1, double Acc5, long Examples);

/// <summary>What one arm produced.</summary>
public sealed record ArmResult(string Arm, IReadOnlyList<ClientResult> Clients, double WallSeconds, string Budget)
{
    /// <summary>Fault and validation counts summed over the arm's rounds.</summary>
    public RoundCounts Counts { get; init; } = RoundCounts.Zero;
}
