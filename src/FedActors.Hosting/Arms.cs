namespace FedActors.Hosting;

/// <summary>The experiment arms FedActors compares (see reference.conf, fedactors.arms).</summary>
public static class Arms
{
    /// <summary>Centralized supervised training from scratch per task (the paper's baseline).</summary>
    public const string Centralized = "cl";

    /// <summary>Federated SimCLR backbone, then federated task heads (the paper's method).</summary>
    public const string FederatedSsl = "fl+ssl";

    /// <summary>Federated supervised training from scratch.</summary>
    public const string Federated = "fl";

    /// <summary>Centralized SimCLR on pooled unlabeled data, then per-task heads.</summary>
    public const string CentralizedSsl = "cl+ssl";

    public static readonly IReadOnlyList<string> All = [Centralized, FederatedSsl, Federated, CentralizedSsl];

    public static bool IsFederated(string arm) => arm is FederatedSsl or Federated;
}
