namespace FedActors.Core;

/// <summary>
/// Which trainer slot the current thread is, so that a client can place its work on the device of its slot
/// (several trainers per GPU, one GPU per few slots) without the engine knowing about devices. The engine's
/// trainer threads assign themselves a slot when they start; any other thread has none.
/// </summary>
public static class TrainerSlot
{
    [ThreadStatic] private static int t_slotPlusOne;

    /// <summary>The 0-based slot of the calling trainer thread; -1 on a thread that is not a trainer.</summary>
    public static int Current => t_slotPlusOne - 1;

    /// <summary>Marks the calling thread as trainer slot <paramref name="slot"/>, for the rest of its life.</summary>
    public static void AssignToCurrentThread(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        t_slotPlusOne = slot + 1;
    }
}
