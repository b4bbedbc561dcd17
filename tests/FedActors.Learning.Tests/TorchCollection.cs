namespace FedActors.Learning.Tests;

/// <summary>
/// Every test that touches libtorch runs in this one collection, one at a time: torch's thread count and
/// global generator are process-wide.
/// </summary>
[CollectionDefinition("torch", DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<TorchSetup>;

public sealed class TorchSetup
{
    public TorchSetup() => TorchRuntime.Configure(1);
}
