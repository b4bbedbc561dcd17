using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FedActors.Cluster;

/// <summary>
/// Mutual TLS for data-plane connections: each end presents the node certificate and accepts only a peer whose
/// certificate has the pinned thumbprint (<c>fedactors.cluster.tls</c>; <see cref="FedActorsNode"/> gives Akka.Remote
/// the same certificates and the same pin). Handshakes are synchronous, so the socket
/// stays in blocking mode (fast synchronous transfers) and its idle timeout bounds them.
/// </summary>
internal sealed class DataPlaneTls : IDisposable
{
    private readonly X509Certificate2 _own;
    private readonly X509Certificate2 _trusted;

    private DataPlaneTls(X509Certificate2 own, X509Certificate2 trusted)
    {
        _own = own;
        _trusted = trusted;
    }

    /// <summary>The TLS of <paramref name="settings"/>, or null when it is off.</summary>
    public static DataPlaneTls? From(ClusterSettings settings)
    {
        if (!settings.Tls.Enabled) return null;
        var (own, trusted) = LoadCertificates(settings.Tls);
        return new DataPlaneTls(own, trusted);
    }

    /// <summary>
    /// The node's certificate (with its key) and the one a peer must present (the same one unless
    /// <c>tls.trusted-certificate</c> names another); shared by the data plane and Akka.Remote.
    /// </summary>
    /// <exception cref="InvalidOperationException">A file is missing or unreadable; the message names the key and the file.</exception>
    internal static (X509Certificate2 Own, X509Certificate2 Trusted) LoadCertificates(TlsSettings tls)
    {
        var password = tls.Password.Length == 0 ? null : tls.Password;
        var own = Load("tls.certificate", tls.Certificate, path => X509CertificateLoader.LoadPkcs12FromFile(path, password));
        if (!own.HasPrivateKey)
        {
            own.Dispose();
            throw new InvalidOperationException($"{ClusterSettings.Section}.tls.certificate {tls.Certificate} has no private key");
        }
        if (tls.TrustedCertificate.Length == 0) return (own, own);
        var pkcs12 = tls.TrustedCertificate.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase)
            || tls.TrustedCertificate.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
        var trusted = Load("tls.trusted-certificate", tls.TrustedCertificate, path => pkcs12
            ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
            : X509CertificateLoader.LoadCertificateFromFile(path));
        return (own, trusted);
    }

    private static X509Certificate2 Load(string key, string path, Func<string, X509Certificate2> load)
    {
        try
        {
            return load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"{ClusterSettings.Section}.{key} {path}: {e.Message}", e);
        }
    }

    public Stream AsServer(Stream network)
    {
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        ssl.AuthenticateAsServer(
            new SslServerAuthenticationOptions
            {
                ServerCertificate = _own,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = IsPinned,
            });
        return ssl;
    }

    public Stream AsClient(Stream network, string host)
    {
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        ssl.AuthenticateAsClient(
            new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [_own],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = IsPinned,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => _own,
            });
        return ssl;
    }

    // Pinning replaces chain and name checks: a cluster shares one self-issued certificate or a few known ones.
    private bool IsPinned(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && string.Equals(
            Convert.ToHexString(certificate.GetCertHash()), _trusted.Thumbprint, StringComparison.OrdinalIgnoreCase);

    public void Dispose()
    {
        if (!ReferenceEquals(_trusted, _own)) _trusted.Dispose();
        _own.Dispose();
    }
}
