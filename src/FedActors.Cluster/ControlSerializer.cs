using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace FedActors.Cluster;

/// <summary>
/// Hand-written binary serializer of the closed set of <see cref="IClusterMessage"/> records, one manifest per type.
/// Nothing is resolved by name from the input: an unknown manifest, an oversized message or a count that does not
/// fit the bytes is a <see cref="SerializationException"/>.
/// </summary>
public sealed class ControlSerializer : SerializerWithStringManifest
{
    /// <summary>Akka serializer id; 100+ is free for user serializers.</summary>
    public const int Id = 4711;

    private const string HelloManifest = "H";
    private const string RosterManifest = "R";
    private const string FitManifest = "F";
    private const string EvaluateManifest = "E";
    private const string FittedManifest = "FD";
    private const string EvaluatedManifest = "ED";
    private const string FailedManifest = "X";
    private const string CancelManifest = "C";
    private const int MaxReasonChars = 2000;

    private readonly int _maxBytes;

    public ControlSerializer(ExtendedActorSystem system) : base(system)
    {
        _maxBytes = ClusterSettings.Create(system.Settings.Config).MaxMessageBytes;
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ClientHost.Hello => HelloManifest,
        ClientHost.Roster => RosterManifest,
        ClientHost.Fit => FitManifest,
        ClientHost.Evaluate => EvaluateManifest,
        ClientHost.Fitted => FittedManifest,
        ClientHost.Evaluated => EvaluatedManifest,
        ClientHost.Failed => FailedManifest,
        ClientHost.Cancel => CancelManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a FedActors cluster message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var w = new Writer();
        switch (obj)
        {
            case ClientHost.Hello:
                break;
            case ClientHost.Roster r:
                w.Int(r.Clients.Count);
                foreach (var c in r.Clients)
                {
                    w.Str(c.Id).Str(c.Task).Int(c.Classes).Str(c.Setup).Longs(c.Shard ?? new Dictionary<string, long>());
                }
                break;
            case ClientHost.Fit f:
                w.Long(f.CallId).Str(f.ClientId).Int(f.Round).Str(f.Phase).Ref(f.Global).Strings(f.Config);
                break;
            case ClientHost.Evaluate e:
                w.Long(e.CallId).Str(e.ClientId).Int(e.Round).Str(e.Phase).Ref(e.Global).Strings(e.Config);
                break;
            case ClientHost.Fitted f:
                w.Long(f.CallId).Int(f.Round).Ref(f.Weights).Long(f.NumExamples).Doubles(f.Metrics);
                break;
            case ClientHost.Evaluated e:
                w.Long(e.CallId).Int(e.Round).Long(e.NumExamples).Doubles(e.Metrics);
                break;
            case ClientHost.Failed x:
                w.Long(x.CallId).Str(x.Reason.Length <= MaxReasonChars ? x.Reason : x.Reason[..MaxReasonChars] + "...");
                break;
            case ClientHost.Cancel c:
                w.Long(c.CallId).Str(c.ClientId);
                break;
            default:
                throw new ArgumentException($"{obj.GetType()} is not a FedActors cluster message", nameof(obj));
        }
        var bytes = w.ToArray();
        if (bytes.Length > _maxBytes)
            throw new SerializationException(
                $"a {obj.GetType().Name} of {bytes.Length} bytes exceeds {ClusterSettings.Section}.max-message-bytes = {_maxBytes}");
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > _maxBytes)
            throw new SerializationException($"a {bytes.Length}-byte message exceeds {ClusterSettings.Section}.max-message-bytes = {_maxBytes}");
        var r = new Reader(bytes);
        try
        {
            object message = manifest switch
            {
                HelloManifest => ClientHost.Hello.Instance,
                RosterManifest => new ClientHost.Roster(r.List(() => new ClientHost.HostedClient(r.Str(), r.Str(), r.Int(), r.Str(), r.Longs()))),
                FitManifest => new ClientHost.Fit(r.Long(), r.Str(), r.Int(), r.Str(), r.Ref(), r.Strings()),
                EvaluateManifest => new ClientHost.Evaluate(r.Long(), r.Str(), r.Int(), r.Str(), r.Ref(), r.Strings()),
                FittedManifest => new ClientHost.Fitted(r.Long(), r.Int(), r.Ref(), r.Long(), r.Doubles()),
                EvaluatedManifest => new ClientHost.Evaluated(r.Long(), r.Int(), r.Long(), r.Doubles()),
                FailedManifest => new ClientHost.Failed(r.Long(), r.Str()),
                CancelManifest => new ClientHost.Cancel(r.Long(), r.Str()),
                _ => throw new SerializationException($"unknown FedActors cluster message manifest '{manifest}'"),
            };
            r.End();
            return message;
        }
        catch (Exception e) when (e is ArgumentException or DecoderFallbackException or IndexOutOfRangeException)
        {
            throw new SerializationException($"malformed FedActors cluster message '{manifest}': {e.Message}", e);
        }
    }

    private sealed class Writer
    {
        private readonly MemoryStream _buffer = new();
        private readonly byte[] _eight = new byte[8];

        public Writer Int(int v)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_eight, v);
            _buffer.Write(_eight, 0, 4);
            return this;
        }

        public Writer Long(long v)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_eight, v);
            _buffer.Write(_eight, 0, 8);
            return this;
        }

        public Writer Double(double v)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_eight, v);
            _buffer.Write(_eight, 0, 8);
            return this;
        }

        public Writer Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Int(bytes.Length);
            _buffer.Write(bytes);
            return this;
        }

        public Writer Ref(WeightRef r) => Str(r.Hash).Long(r.Version).Str(r.Host).Int(r.Port).Long(r.ByteSize);

        // Sorted, so that equal dictionaries give equal bytes.
        public Writer Strings(IReadOnlyDictionary<string, string> map)
        {
            Int(map.Count);
            foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) Str(k).Str(v);
            return this;
        }

        public Writer Doubles(IReadOnlyDictionary<string, double> map)
        {
            Int(map.Count);
            foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) Str(k).Double(v);
            return this;
        }

        public Writer Longs(IReadOnlyDictionary<string, long> map)
        {
            Int(map.Count);
            foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) Str(k).Long(v);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();
    }

    private sealed class Reader(byte[] bytes)
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private int _at;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > bytes.Length - _at) throw new SerializationException($"field of {n} bytes runs past the message's {bytes.Length}");
            var span = bytes.AsSpan(_at, n);
            _at += n;
            return span;
        }

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        public string Str() => Strict.GetString(Take(Int()));
        public WeightRef Ref() => new(Str(), Long(), Str(), Int(), Long());

        public IReadOnlyList<T> List<T>(Func<T> item)
        {
            var n = Count(8);
            var list = new List<T>(n);
            for (var i = 0; i < n; i++) list.Add(item());
            return list;
        }

        public IReadOnlyDictionary<string, string> Strings()
        {
            var n = Count(8);
            var map = new Dictionary<string, string>(n, StringComparer.Ordinal);
            for (var i = 0; i < n; i++) map.Add(Str(), Str());
            return map;
        }

        public IReadOnlyDictionary<string, double> Doubles()
        {
            var n = Count(12);
            var map = new Dictionary<string, double>(n, StringComparer.Ordinal);
            for (var i = 0; i < n; i++) map.Add(Str(), Double());
            return map;
        }

        public IReadOnlyDictionary<string, long> Longs()
        {
            var n = Count(12);
            var map = new Dictionary<string, long>(n, StringComparer.Ordinal);
            for (var i = 0; i < n; i++) map.Add(Str(), Long());
            return map;
        }

        public void End()
        {
            if (_at != bytes.Length) throw new SerializationException($"{bytes.Length - _at} unexpected trailing bytes");
        }

        // A count is believed only if that many of the smallest entries fit in what is left.
        private int Count(int minEntryBytes)
        {
            var n = Int();
            if (n < 0 || n > (bytes.Length - _at) / minEntryBytes)
                throw new SerializationException($"a count of {n} does not fit the message's remaining {bytes.Length - _at} bytes");
            return n;
        }
    }
}
