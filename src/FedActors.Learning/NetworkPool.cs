using FedActors.Learning.Models;
using static TorchSharp.torch;

namespace FedActors.Learning;

/// <summary>
/// Networks lent to clients for one call. Clients share few trainers, so they share few networks: a
/// <see cref="TorchClient"/> rents one for a Fit or an Evaluate, imports every tensor it uses from the
/// global weights, and gives it back. Live networks are those rented at once plus the idle ones, and the
/// idle ones of a shape never outnumber the most that were rented at once; a hundred clients on K trainer
/// slots hold about K networks (one more per task shape), not a hundred. Thread-safe.
/// </summary>
public sealed class NetworkPool : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<NetworkShape, Stack<ClientNetwork>> _idle = [];
    private int _created;
    private int _rented;
    private bool _disposed;

    /// <summary>Networks built so far (a measure of reuse: it stops growing once every slot has one).</summary>
    public int Created
    {
        get { lock (_gate) return _created; }
    }

    /// <summary>Networks out on loan now.</summary>
    public int Rented
    {
        get { lock (_gate) return _rented; }
    }

    /// <summary>Networks waiting for the next call.</summary>
    public int Idle
    {
        get { lock (_gate) return _idle.Values.Sum(s => s.Count); }
    }

    /// <summary>Frees the idle networks; rented ones stay with their callers and come back as usual.</summary>
    public void Trim()
    {
        List<ClientNetwork> free;
        lock (_gate)
        {
            free = _idle.Values.SelectMany(s => s).ToList();
            _idle.Clear();
        }
        foreach (var network in free) network.Dispose();
    }

    public void Dispose()
    {
        lock (_gate) _disposed = true;
        Trim();
    }

    /// <summary>
    /// A network of this shape, idle or newly built. Its tensors hold whatever the last renter left: the
    /// caller imports the ones it uses before using them.
    /// </summary>
    internal Lease Rent(BackboneSpec spec, string task, int numClasses, Device device, bool channelsLast = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(device);
        var shape = NetworkShape.Of(spec, task, numClasses, device, channelsLast);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _rented++;
            if (_idle.TryGetValue(shape, out var stack) && stack.TryPop(out var idle))
                return new Lease(this, shape, idle, device);
            _created++;
        }
        try
        {
            // Built outside the lock: a ResNet takes a while to initialise, other renters need not wait.
            return new Lease(this, shape, new ClientNetwork(spec, task, numClasses, device, channelsLast), device);
        }
        catch
        {
            lock (_gate)
            {
                _rented--;
                _created--;
            }
            throw;
        }
    }

    private void Return(NetworkShape shape, ClientNetwork network)
    {
        lock (_gate)
        {
            _rented--;
            if (!_disposed)
            {
                if (!_idle.TryGetValue(shape, out var stack)) _idle[shape] = stack = new Stack<ClientNetwork>();
                stack.Push(network);
                return;
            }
        }
        network.Dispose();
    }

    /// <summary>One rented network; disposing it gives the network back to the pool.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly NetworkPool _pool;
        private readonly NetworkShape _shape;
        private ClientNetwork? _network;

        internal Lease(NetworkPool pool, NetworkShape shape, ClientNetwork network, Device device)
        {
            _pool = pool;
            _shape = shape;
            _network = network;
            Device = device;
        }

        /// <summary>Where the network lives: the inputs of the call go there too.</summary>
        public Device Device { get; }

        public ClientNetwork Network => _network ?? throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            var network = Interlocked.Exchange(ref _network, null);
            if (network is not null) _pool.Return(_shape, network);
        }
    }

    /// <summary>
    /// What makes two networks interchangeable. The spec's block list is compared by value (a record
    /// compares lists by reference), the device by its name; the memory layout is part of it.
    /// </summary>
    internal readonly record struct NetworkShape(BackboneSpec Spec, string Blocks, string Task, int NumClasses, string Device, bool ChannelsLast)
    {
        public static NetworkShape Of(BackboneSpec spec, string task, int numClasses, Device device, bool channelsLast) =>
            new(spec with { Blocks = null }, string.Join(",", spec.StageBlocks), task, numClasses, $"{device.type}:{device.index}", channelsLast);
    }
}
