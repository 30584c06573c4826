//! The simulated API server's TLS: a CA and a loopback serving certificate generated at start,
//! and the count of full and resumed handshakes it served ([`HandshakeCounter`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The generated CA and a rustls server configuration using the certificate it signed.
pub struct ServerTls {
    /// The CA certificate, PEM (what a kubeconfig's `certificate-authority-data` holds).
    pub ca_pem: String,
    /// The server configuration (HTTP/1.1 only).
    pub config: Arc<rustls::ServerConfig>,
}

/// Generates a CA and a serving certificate for `localhost`, `127.0.0.1` and `::1`.
pub fn generate() -> Result<ServerTls, String> {
    let err = |e: rcgen::Error| format!("cannot generate the simulator's certificates: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "linkerd-export-sim-ca");
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "linkerd-export-sim-apiserver");
    params.distinguished_name = dn;
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().map_err(err)?),
        SanType::IpAddress([127, 0, 0, 1].into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).map_err(err)?;

    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    // Like Go's crypto/tls, which serves the real API server and kubelet: AES-128-GCM first,
    // chosen by the server's order rather than the client's.
    let mut provider = rustls::crypto::ring::default_provider();
    provider
        .cipher_suites
        .sort_by_key(|suite| suite.suite() != rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ignore_client_order = true;
    Ok(ServerTls {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

/// How many TLS handshakes the API server completed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlsHandshakes {
    /// Full handshakes (certificate sent and verified), with or without a `HelloRetryRequest`.
    pub full: u64,
    /// Resumed handshakes (a session ticket or ID the client kept from an earlier connection).
    pub resumed: u64,
}

/// Counts completed handshakes as rustls reports them ([`rustls::HandshakeKind`]).
#[derive(Debug, Default)]
pub struct HandshakeCounter {
    full: AtomicU64,
    resumed: AtomicU64,
}

impl HandshakeCounter {
    /// Counts the handshake `connection` completed (nothing while it is still handshaking).
    pub fn record(&self, connection: &rustls::ServerConnection) {
        let counter = match connection.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => &self.resumed,
            Some(
                rustls::HandshakeKind::Full | rustls::HandshakeKind::FullWithHelloRetryRequest,
            ) => &self.full,
            None => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn counts(&self) -> TlsHandshakes {
        TlsHandshakes {
            full: self.full.load(Ordering::Relaxed),
            resumed: self.resumed.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::pem::PemObject;

    use super::*;

    /// A default rustls client (which prefers AES-256) trusting the simulator's CA, with rustls'
    /// default in-memory session cache.
    fn client_config(tls: &ServerTls) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        let ca = CertificateDer::from_pem_slice(tls.ca_pem.as_bytes()).expect("CA PEM");
        roots.add(ca).expect("CA");
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        Arc::new(config)
    }

    /// Runs a TLS handshake in memory between `client_config` and the simulator's server
    /// configuration, through to the session tickets the server sends after it.
    fn handshake(
        tls: &ServerTls,
        client_config: &Arc<rustls::ClientConfig>,
    ) -> rustls::ServerConnection {
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let mut client =
            rustls::ClientConnection::new(client_config.clone(), name).expect("client");
        let mut server = rustls::ServerConnection::new(tls.config.clone()).expect("server");
        while client.is_handshaking() || server.is_handshaking() || server.wants_write() {
            let mut wire = Vec::new();
            client.write_tls(&mut wire).expect("client writes");
            server.read_tls(&mut &wire[..]).expect("server reads");
            server.process_new_packets().expect("server handshake");
            wire.clear();
            server.write_tls(&mut wire).expect("server writes");
            client.read_tls(&mut &wire[..]).expect("client reads");
            client.process_new_packets().expect("client handshake");
        }
        server
    }

    #[test]
    fn the_server_picks_aes_128_gcm_like_go_does() {
        let tls = generate().expect("certificates");
        let server = handshake(&tls, &client_config(&tls));
        let suite = server.negotiated_cipher_suite().expect("a suite");
        assert_eq!(suite.suite(), rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    }

    #[test]
    fn full_and_resumed_handshakes_are_counted_apart() {
        let tls = generate().expect("certificates");
        let counter = HandshakeCounter::default();
        let client = client_config(&tls);
        counter.record(&handshake(&tls, &client));
        counter.record(&handshake(&tls, &client));
        counter.record(&handshake(&tls, &client_config(&tls)));
        assert_eq!(
            counter.counts(),
            TlsHandshakes {
                full: 2,
                resumed: 1
            }
        );
        let unfinished = rustls::ServerConnection::new(tls.config.clone()).expect("server");
        counter.record(&unfinished);
        assert_eq!(counter.counts().full + counter.counts().resumed, 3);
    }
}
