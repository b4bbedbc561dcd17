using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FedActors.Cluster;

/// <summary>
/// Mutual TLS for data-plane connections: each end presents the node certificate and accepts only a peer whose
/// certificate has the pinned thumbprint (<c>fedactors.cluster.tls</c>). Handshakes are synchronous, so the socket
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
        var tls = settings.Tls;
        if (!tls.Enabled) return null;
        var password = tls.Password.Length == 0 ? null : tls.Password;
        var own = X509CertificateLoader.LoadPkcs12FromFile(tls.Certificate, password);
        if (!own.HasPrivateKey) throw new InvalidOperationException($"{ClusterSettings.Section}.tls.certificate {tls.Certificate} has no private key");
        var trusted = tls.TrustedCertificate.Length == 0 ? own
            : tls.TrustedCertificate.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || tls.TrustedCertificate.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
                ? X509CertificateLoader.LoadPkcs12FromFile(tls.TrustedCertificate, password)
                : X509CertificateLoader.LoadCertificateFromFile(tls.TrustedCertificate);
        return new DataPlaneTls(own, trusted);
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
