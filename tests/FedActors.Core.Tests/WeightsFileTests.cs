using FedActors.Core;

namespace FedActors.Core.Tests;

public sealed class WeightsFileTests
{
    private static ModelWeights Sample() => new([
        new NamedTensor("backbone.conv1.weight", [2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, float.Epsilon]),
        new NamedTensor("heads.flowers.bias", [3], [-1.5f, 0, 1e30f]),
        new NamedTensor("scalar", [], [42f]),
    ]);

    [Fact]
    public void Written_weights_must_read_back_identically()
    {
        var path = Path.GetTempFileName();
        try
        {
            WeightsFile.Write(path, Sample());
            var back = WeightsFile.Read(path);
            Assert.Equal(Sample().ContentHash(), back.ContentHash());
            Assert.Equal(Sample().Names, back.Names);
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_corrupted_or_truncated_file_must_be_refused_with_its_path()
    {
        var path = Path.GetTempFileName();
        try
        {
            WeightsFile.Write(path, Sample());
            var bytes = File.ReadAllBytes(path);
            bytes[40] ^= 1;
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<InvalidDataException>(() => WeightsFile.Read(path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);

            File.WriteAllBytes(path, bytes[..20]);
            Assert.Throws<InvalidDataException>(() => WeightsFile.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
