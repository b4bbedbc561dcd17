namespace FedActors.Testing;

/// <summary>What a <see cref="FakeClient"/> does with one fit request.</summary>
public enum FakeActKind
{
    /// <summary>Trains (adds its delta to every tensor) and answers at once.</summary>
    Reply,

    /// <summary>Cannot be sampled this round.</summary>
    Unavailable,

    /// <summary>Takes the request and never answers it (the round's deadline passes).</summary>
    Drop,

    /// <summary>Answers <see cref="FakeAct.Delay"/> later, in scheduler (virtual) time.</summary>
    Delay,

    /// <summary>Its actor throws; the engine restarts it and the request fails with <c>crashed: </c>.</summary>
    Crash,

    /// <summary>Its training throws <see cref="InvalidOperationException"/> with <see cref="FakeAct.Message"/>.</summary>
    Throw,

    /// <summary>Answers with a NaN in its first tensor.</summary>
    SendNaN,

    /// <summary>Answers global + <see cref="FakeAct.Factor"/> x delta (a boosted, model-replacement style update).</summary>
    SendScaled,

    /// <summary>Answers with its first tensor one value longer than the global's.</summary>
    SendMisshaped,

    /// <summary>Answers with an extra tensor the global does not have.</summary>
    SendUnknownTensor,
}

/// <summary>One scripted behaviour of a <see cref="FakeClient"/>; build it with the static members.</summary>
public sealed record FakeAct(FakeActKind Kind, TimeSpan Delay, float Factor, string Message)
{
    /// <summary>The name of the tensor <see cref="SendUnknownTensor"/> adds.</summary>
    public const string UnknownTensorName = "fake.unknown";

    public static FakeAct Reply { get; } = Of(FakeActKind.Reply);
    public static FakeAct Unavailable { get; } = Of(FakeActKind.Unavailable);
    public static FakeAct Drop { get; } = Of(FakeActKind.Drop);
    public static FakeAct Crash { get; } = Of(FakeActKind.Crash);
    public static FakeAct SendNaN { get; } = Of(FakeActKind.SendNaN);
    public static FakeAct SendMisshaped { get; } = Of(FakeActKind.SendMisshaped);
    public static FakeAct SendUnknownTensor { get; } = Of(FakeActKind.SendUnknownTensor);

    /// <summary>Answers <paramref name="after"/> from the start of its work, in scheduler time.</summary>
    public static FakeAct DelayBy(TimeSpan after)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(after, TimeSpan.Zero);
        return Of(FakeActKind.Delay) with { Delay = after };
    }

    public static FakeAct Throw(string message) => Of(FakeActKind.Throw) with { Message = message };

    public static FakeAct SendScaled(float factor) => Of(FakeActKind.SendScaled) with { Factor = factor };

    private static FakeAct Of(FakeActKind kind) => new(kind, TimeSpan.Zero, 1f, "");

    public override string ToString() => Kind switch
    {
        FakeActKind.Delay => $"Delay({Delay})",
        FakeActKind.Throw => $"Throw({Message})",
        FakeActKind.SendScaled => $"SendScaled({Factor})",
        _ => Kind.ToString(),
    };
}
