using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedActors.Cluster.Tests;

/// <summary>Self-signed certificates (PKCS#12) made for one test, in a folder of their own that disposing removes.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-tls-").FullName;

    /// <summary>The file of certificate <paramref name="name"/>, made on first use with <paramref name="password"/> ("" = none).</summary>
    public string Pfx(string name, string password = "")
    {
        var path = Path.Combine(_dir, name + ".pfx");
        if (File.Exists(path)) return path;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password.Length == 0 ? null : password));
        return path;
    }

    /// <summary><c>fedactors.cluster.tls</c> on, with the certificate <paramref name="name"/>.</summary>
    public string Config(string name) =>
        $$"""fedactors.cluster.tls { enabled = on, certificate = "{{Pfx(name, "pw")}}", password = "pw" }""";

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
