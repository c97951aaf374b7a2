//! The connection to the API server: one TCP connection, one TLS session, HTTP/2 multiplexed.
//!
//! kube's default connector speaks HTTP/1.1 only, so requests sent in parallel each open a
//! connection of their own (TCP + TLS: two more round trips each, and a pool of sockets). Real
//! clusters are tens of milliseconds away, so podwiz dials once, negotiates `h2` by ALPN and
//! sends every request of a wave over that connection at the same time. A server that does not
//! offer `h2` (an HTTP/1.1-only proxy in front of the API server) or an `http://` URL gets a
//! pooled HTTP/1.1 client instead.
//!
//! TLS is rustls with a [`rustls::ClientConfig`] podwiz builds itself ([`tls_config`]):
//! * the server certificate is verified exactly as before (webpki against the kubeconfig's
//!   certificate-authority, or the platform's roots without one; `insecure-skip-tls-verify`
//!   turns verification off, as with kubectl);
//! * the client certificate is sent as the kubeconfig has it. rustls (0.23.23 and later)
//!   refuses to *load* an X.509 version 1 certificate in `with_client_auth_cert`, because its
//!   key-consistency check parses the certificate with webpki, which knows v3 only. Go's TLS
//!   stack, and so kubectl, accepts v1 client certificates (MicroK8s writes them, and so does
//!   `openssl x509 -req` without extensions). The protocol does not care: the certificate is
//!   opaque bytes to the client, and the API server verifies it. So podwiz checks that key and
//!   certificate belong together itself ([`spki_of`], a DER walk that reads v1 and v3) and hands
//!   rustls a ready [`CertifiedKey`].
//!
//! Every TLS failure names the side that failed and what to look at in the kubeconfig
//! ([`TransportError`]).

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::client::legacy::connect::{Connected, Connection as LegacyConnection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use kube::client::Body;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::context::{CONNECT_TIMEOUT, READ_TIMEOUT};
use super::credentials::{Credential, Credentials};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The kubeconfig names a TLS message refers to.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Cluster entry of the context.
    pub cluster: String,
    /// User entry of the context.
    pub user: String,
}

/// A failure below HTTP: connecting, or TLS. The text is one line that says which side failed
/// and what to look at.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TransportError {
    /// TCP connect failed or timed out.
    #[error("{0}")]
    Connect(String),
    /// TLS failed; `client_side`: the problem is podwiz's own certificate or key.
    #[error("{message}")]
    Tls { message: String, client_side: bool },
    /// No credential: the exec plugin or the token file failed (the text names the user).
    #[error("{0}")]
    Credentials(String),
    /// The server sent nothing for the read timeout.
    #[error("{0}")]
    Silent(String),
}

// ---- TLS configuration -----------------------------------------------------------------------

/// Why the client certificate or key of a user cannot be used (the caller names the user,
/// the kubeconfig file and the field).
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{0}")]
    Certificate(String),
    #[error("{0}")]
    Key(String),
}

/// Parses the PEM client certificate chain and private key (PKCS#1, PKCS#8 or SEC1) and checks
/// that they belong together. Accepts X.509 v1 and v3 certificates (see the module docs).
pub fn identity(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, IdentityError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| IdentityError::Certificate(format!("not a PEM certificate ({e})")))?;
    let Some(leaf) = chain.first() else {
        return Err(IdentityError::Certificate(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_string(),
        ));
    };
    let cert_spki = spki_of(leaf).ok_or_else(|| {
        IdentityError::Certificate("not an X.509 certificate (its DER does not parse)".into())
    })?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        IdentityError::Key(format!(
            "no private key in it (PEM \"RSA PRIVATE KEY\", \"PRIVATE KEY\" or \"EC PRIVATE KEY\" expected; {e})"
        ))
    })?;
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider.key_provider.load_private_key(key).map_err(|e| {
        IdentityError::Key(format!(
            "unsupported private key ({e}); RSA, ECDSA P-256/P-384 and Ed25519 keys work"
        ))
    })?;
    if let Some(key_spki) = signing_key.public_key()
        && key_spki.as_ref() != cert_spki
    {
        return Err(IdentityError::Key(
            "the private key does not belong to the client certificate".to_string(),
        ));
    }
    Ok(CertifiedKey::new(chain, signing_key))
}

/// The DER of the SubjectPublicKeyInfo of an X.509 certificate, any version.
///
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity, subject, subjectPublicKeyInfo, ... } ...}` (RFC 5280 §4.1);
/// a v1 certificate has no `[0]` field.
pub fn spki_of(cert: &[u8]) -> Option<&[u8]> {
    let (tag, certificate, _) = tlv(cert)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, tbs, _) = tlv(certificate)?;
    if tag != 0x30 {
        return None;
    }
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject
    for expected in [0x02, 0x30, 0x30, 0x30, 0x30] {
        let (tag, _, after) = tlv(rest)?;
        if tag != expected {
            return None;
        }
        rest = after;
    }
    let (tag, _, after) = tlv(rest)?;
    if tag != 0x30 {
        return None;
    }
    Some(&rest[..rest.len() - after.len()])
}

/// One DER tag-length-value: (tag, contents, the bytes after it).
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Parses PEM CA certificates (a `certificate-authority` file or `-data`) into DER.
pub fn ca_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem)
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate bundle ({e})"))?;
    if certs.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
    }
    let mut store = RootCertStore::empty();
    for der in &certs {
        store
            .add(CertificateDer::from(der.as_slice()))
            .map_err(|e| format!("not a usable CA certificate ({e})"))?;
    }
    Ok(certs)
}

/// The rustls configuration for one kube context: `roots` (DER, from the cluster's
/// certificate-authority; `None`: the platform's trust store), the user's client certificate,
/// and `insecure` (`insecure-skip-tls-verify`). ALPN offers `h2`, then `http/1.1`.
pub fn tls_config(
    roots: Option<&[Vec<u8>]>,
    identity: Option<CertifiedKey>,
    insecure: bool,
) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    } else if let Some(roots) = roots {
        let mut store = RootCertStore::empty();
        for der in roots {
            store
                .add(CertificateDer::from(der.clone()))
                .map_err(|e| format!("certificate-authority: {e}"))?;
        }
        builder.with_root_certificates(store)
    } else {
        // No certificate-authority in the kubeconfig: the system's trust store, as client-go.
        let verifier = rustls_platform_verifier::Verifier::new(provider)
            .map_err(|e| format!("cannot load the system's trusted certificates: {e}"))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = match identity {
        Some(key) => {
            builder.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(key)))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// `insecure-skip-tls-verify: true`: any server certificate, but the handshake signatures are
/// still checked (as Go's `InsecureSkipVerify`).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

// ---- describing failures ---------------------------------------------------------------------

/// The rustls error somewhere in `err`'s source chain (tokio-rustls wraps it in an io::Error).
pub fn find_rustls_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(r) = inner.downcast_ref::<rustls::Error>()
        {
            return Some(r);
        }
        cur = e.source();
    }
    None
}

/// One line for a TLS failure: which side, and what to look at with the kubeconfig's names.
pub fn describe_tls(err: &rustls::Error, names: &Names, server_name: &str) -> TransportError {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let cluster = &names.cluster;
    let user = &names.user;
    let server = |message: String| TransportError::Tls {
        message,
        client_side: false,
    };
    match err {
        E::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer | C::BadSignature | C::UnsupportedSignatureAlgorithmContext { .. } => {
                server(format!(
                    "the server certificate is not trusted by the certificate-authority of cluster \"{cluster}\" ({}); check certificate-authority(-data) of cluster \"{cluster}\" in the kubeconfig, or whether {server_name} is the right server",
                    short(cert)
                ))
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => server(format!(
                "the server certificate is not valid for the name \"{server_name}\"; use a name the certificate has in server: of cluster \"{cluster}\", or set its tls-server-name"
            )),
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => server(format!(
                "the server certificate of cluster \"{cluster}\" is outside its validity period ({}); check the clock, or renew the API server's certificate",
                short(cert)
            )),
            other => server(format!(
                "the server certificate of cluster \"{cluster}\" is not acceptable ({}); check certificate-authority(-data) and tls-server-name of cluster \"{cluster}\"",
                short(other)
            )),
        },
        E::AlertReceived(
            alert @ (A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::CertificateRequired
            | A::AccessDenied),
        ) => TransportError::Tls {
            message: format!(
                "the API server rejected the client certificate of user \"{user}\" (TLS alert {alert:?}); check client-certificate(-data) and client-key(-data) of user \"{user}\": signed by a CA the server trusts, not expired"
            ),
            client_side: true,
        },
        E::AlertReceived(alert) => server(format!(
            "the API server {server_name} ended the TLS handshake (alert {alert:?})"
        )),
        E::PeerIncompatible(_) => server(format!(
            "the API server {server_name} speaks no TLS version or cipher suite podwiz supports ({err})"
        )),
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => server(format!(
            "{server_name} does not answer with TLS ({err}); is server: of cluster \"{cluster}\" an https:// URL of the API server?"
        )),
        other => server(format!("TLS with {server_name} failed: {other}")),
    }
}

fn short(err: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match err {
        C::UnknownIssuer => "unknown issuer".into(),
        C::BadSignature => "bad signature".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".into(),
        C::Other(o) => format!("{o}"),
        other => format!("{other:?}"),
    }
}

// ---- request trace -------------------------------------------------------------------------

/// What went over the wire, for counting round trips: every connection dialed and every
/// request with the time it was sent and the time its response head arrived.
#[derive(Clone, Debug, Default)]
pub struct RequestTrace {
    inner: Arc<Mutex<TraceLog>>,
}

#[derive(Debug, Default)]
struct TraceLog {
    dials: usize,
    requests: Vec<TracedRequest>,
}

/// One request of a [`RequestTrace`].
#[derive(Clone, Debug)]
pub struct TracedRequest {
    /// `GET /api/v1/namespaces/x` (query included).
    pub line: String,
    pub sent: Instant,
    /// When the response head arrived (None: still waiting or failed).
    pub answered: Option<Instant>,
}

impl RequestTrace {
    fn lock(&self) -> std::sync::MutexGuard<'_, TraceLog> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dialed(&self) {
        self.lock().dials += 1;
    }

    fn sent(&self, line: String) -> usize {
        let mut log = self.lock();
        log.requests.push(TracedRequest {
            line,
            sent: Instant::now(),
            answered: None,
        });
        log.requests.len() - 1
    }

    fn answered(&self, index: usize) {
        if let Some(r) = self.lock().requests.get_mut(index) {
            r.answered = Some(Instant::now());
        }
    }

    /// Connections dialed (TCP + TLS each).
    pub fn dials(&self) -> usize {
        self.lock().dials
    }

    /// Every request so far, in the order sent.
    pub fn requests(&self) -> Vec<TracedRequest> {
        self.lock().requests.clone()
    }

    /// Forgets everything recorded so far.
    pub fn clear(&self) {
        let mut log = self.lock();
        log.dials = 0;
        log.requests.clear();
    }

    /// The requests grouped into sequential waves: a request belongs to wave `1 + the highest
    /// wave of the requests answered before it was sent`. The number of waves is the number of
    /// request round trips on the critical path (connection set-up not included).
    pub fn waves(&self) -> Vec<Vec<String>> {
        let requests = self.requests();
        let mut depth = vec![0usize; requests.len()];
        for (i, r) in requests.iter().enumerate() {
            depth[i] = 1 + requests
                .iter()
                .enumerate()
                .filter(|(_, p)| p.answered.is_some_and(|a| a <= r.sent))
                .map(|(j, _)| depth[j])
                .max()
                .unwrap_or(0);
        }
        let mut waves: Vec<Vec<String>> =
            vec![Vec::new(); depth.iter().copied().max().unwrap_or(0)];
        for (r, d) in requests.iter().zip(depth) {
            waves[d - 1].push(r.line.clone());
        }
        waves
    }

    /// One request per wave: the chain whose answers the last wave waited for.
    pub fn critical_path(&self) -> Vec<String> {
        let waves = self.waves();
        waves
            .iter()
            .map(|w| w.first().cloned().unwrap_or_default())
            .collect()
    }

    /// Several lines: `dials: N`, then `wave K: REQUEST; REQUEST...`.
    pub fn describe(&self) -> String {
        let mut out = format!("connections dialed: {}\n", self.dials());
        for (i, wave) in self.waves().iter().enumerate() {
            out.push_str(&format!("wave {}: {}\n", i + 1, wave.join(" | ")));
        }
        out
    }

    /// Every request with its send and answer time in ms after the first send (debugging).
    pub fn timeline(&self) -> String {
        let requests = self.requests();
        let Some(start) = requests.iter().map(|r| r.sent).min() else {
            return String::new();
        };
        let ms = |t: Instant| t.duration_since(start).as_secs_f64() * 1000.0;
        requests
            .iter()
            .map(|r| {
                format!(
                    "{:8.2} {:>8} {}\n",
                    ms(r.sent),
                    r.answered
                        .map(|a| format!("{:.2}", ms(a)))
                        .unwrap_or_default(),
                    r.line
                )
            })
            .collect()
    }
}

// ---- the service ---------------------------------------------------------------------------

/// Where to connect.
#[derive(Clone, Debug)]
struct Endpoint {
    host: String,
    port: u16,
    /// What the server certificate must be valid for (tls-server-name, else the URL's host).
    server_name: ServerName<'static>,
}

/// The number of the exec credential whose client certificate a connection presented (0: the
/// kubeconfig's own, or none). A new certificate needs a new connection: the certificate is
/// sent in the TLS handshake only.
type IdentityGeneration = u64;

enum State {
    Idle,
    H2(http2::SendRequest<Body>, IdentityGeneration),
    /// The server did not offer h2 (or plain http, or an upgrade client): a pooled HTTP/1.1
    /// client.
    H1(
        Box<hyper_util::client::legacy::Client<Dialer, Body>>,
        IdentityGeneration,
    ),
    /// The last dial failed at this instant; requests that waited for it get its error.
    Failed(Instant, TransportError),
}

struct Inner {
    endpoint: Endpoint,
    tls: Option<Arc<ClientConfig>>,
    names: Names,
    state: tokio::sync::Mutex<State>,
    trace: RequestTrace,
    options: TransportOptions,
}

/// What a [`Transport`] does besides connecting.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// Credentials fetched by podwiz (exec plugin, token file): their token goes into requests
    /// without an `Authorization` header, their client certificate into the TLS handshake.
    pub credentials: Option<Credentials>,
    /// The longest the server may stay silent: HTTP/2 pings every half of it and gives up
    /// after the other half without an answer; HTTP/1.1 fails a read that waited this long
    /// since the last byte read or written.
    pub read_timeout: Duration,
    /// HTTP/1.1 only (ALPN `http/1.1`): for requests that upgrade the connection (exec).
    pub http1_only: bool,
}

impl Default for TransportOptions {
    fn default() -> TransportOptions {
        TransportOptions {
            credentials: None,
            read_timeout: READ_TIMEOUT,
            http1_only: false,
        }
    }
}

/// A tower service sending kube's requests over one multiplexed connection (see the module
/// docs). Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

impl Transport {
    /// A transport for `cluster_url` (no network until the first request). `tls` is required
    /// for `https://` URLs; `tls_server_name` overrides the name the server certificate is
    /// checked against.
    pub fn new(
        cluster_url: &Uri,
        tls_server_name: Option<&str>,
        tls: Option<ClientConfig>,
        names: Names,
        trace: RequestTrace,
        options: TransportOptions,
    ) -> Result<Transport, String> {
        let https = match cluster_url.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            other => {
                return Err(format!(
                    "the server URL scheme must be https or http, not {}",
                    other.unwrap_or("(none)")
                ));
            }
        };
        let host = cluster_url
            .host()
            .ok_or_else(|| "the server URL has no host".to_string())?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = cluster_url
            .port_u16()
            .unwrap_or(if https { 443 } else { 80 });
        let name = tls_server_name.filter(|n| !n.is_empty()).unwrap_or(&host);
        let server_name = match name.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(name.to_string())
                .map_err(|e| format!("\"{name}\" is not a valid TLS server name ({e})"))?,
        };
        if https && tls.is_none() {
            return Err("an https server needs a TLS configuration".into());
        }
        Ok(Transport {
            inner: Arc::new(Inner {
                endpoint: Endpoint {
                    host,
                    port,
                    server_name,
                },
                tls: tls.map(Arc::new),
                names,
                state: tokio::sync::Mutex::new(State::Idle),
                trace,
                options,
            }),
        })
    }

    fn server_name_text(&self) -> String {
        match &self.inner.endpoint.server_name {
            ServerName::DnsName(n) => n.as_ref().to_string(),
            ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
            other => format!("{other:?}"),
        }
    }

    /// TCP connect, then TLS (ALPN `protocols`; `identity`: the client certificate of an exec
    /// credential instead of the kubeconfig's). Returns the stream and whether h2 was agreed.
    async fn dial(
        &self,
        protocols: &[&[u8]],
        identity: Option<&Arc<CertifiedKey>>,
    ) -> Result<(Stream, bool), TransportError> {
        let ep = &self.inner.endpoint;
        self.inner.trace.dialed();
        let addr = format!("{}:{}", ep.host, ep.port);
        let tcp = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((ep.host.as_str(), ep.port)),
        )
        .await
        {
            Ok(Ok(tcp)) => tcp,
            // The server URL is in the message around it: only the reason here.
            Ok(Err(e)) => return Err(TransportError::Connect(e.to_string())),
            Err(_) => {
                return Err(TransportError::Connect(format!(
                    "no connection within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        };
        // Requests are small writes that must leave at once, not wait for an ACK (Nagle).
        let _ = tcp.set_nodelay(true);
        let Some(tls) = &self.inner.tls else {
            return Ok((Stream::Plain(tcp), false));
        };
        let mut config = (**tls).clone();
        config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        if let Some(key) = identity {
            config.client_auth_cert_resolver =
                Arc::new(rustls::sign::SingleCertAndKey::from(key.clone()));
        }
        let connector = TlsConnector::from(Arc::new(config));
        let handshake = connector.connect(ep.server_name.clone(), tcp);
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(match find_rustls_error(&e) {
                    Some(r) => describe_tls(r, &self.inner.names, &self.server_name_text()),
                    None => TransportError::Connect(format!("TLS handshake: {e}")),
                });
            }
            Err(_) => {
                return Err(TransportError::Tls {
                    message: format!(
                        "{addr} accepted the connection but finished no TLS handshake within {} s; is it an API server?",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                    client_side: false,
                });
            }
        };
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok((Stream::Tls(Box::new(stream)), h2))
    }

    /// The connection to send on: the existing one, or a new one (dialed once for every
    /// request waiting at that time).
    async fn route(
        &self,
        started: Instant,
        identity: Option<(IdentityGeneration, &Arc<CertifiedKey>)>,
    ) -> Result<Route, TransportError> {
        let wanted = identity.map(|(g, _)| g).unwrap_or(0);
        let mut state = self.inner.state.lock().await;
        match &*state {
            State::H2(sender, g) if !sender.is_closed() && *g == wanted => {
                return Ok(Route::H2(sender.clone()));
            }
            State::H1(client, g) if *g == wanted => return Ok(Route::H1(client.clone())),
            State::Failed(at, err) if *at >= started => return Err(err.clone()),
            _ => {}
        }
        let result = self.open(identity.map(|(_, key)| key.clone())).await;
        match result {
            Ok(route) => {
                *state = match &route {
                    Route::H2(s) => State::H2(s.clone(), wanted),
                    Route::H1(c) => State::H1(c.clone(), wanted),
                };
                Ok(route)
            }
            Err(e) => {
                *state = State::Failed(Instant::now(), e.clone());
                Err(e)
            }
        }
    }

    async fn open(&self, identity: Option<Arc<CertifiedKey>>) -> Result<Route, TransportError> {
        let read_timeout = self.inner.options.read_timeout;
        if self.inner.options.http1_only {
            return Ok(Route::H1(Box::new(self.http1_client(identity))));
        }
        let (stream, h2) = self.dial(&[b"h2", b"http/1.1"], identity.as_ref()).await?;
        if h2 {
            let mut builder = http2::Builder::new(TokioExecutor::new());
            builder
                .timer(TokioTimer::new())
                // A server that stops answering is noticed within the read timeout, also while
                // a watch is silent.
                .keep_alive_interval(read_timeout / 2)
                .keep_alive_timeout(read_timeout / 2)
                .keep_alive_while_idle(false);
            let (sender, connection) = builder
                .handshake(TokioIo::new(stream))
                .await
                .map_err(|e| self.http_error(&e))?;
            tokio::spawn(async move {
                // Errors reach the requests in flight; nothing else to do with them here.
                let _ = connection.await;
            });
            return Ok(Route::H2(sender));
        }
        // No h2: HTTP/1.1 with a pool of connections of its own (this one is dropped).
        drop(stream);
        Ok(Route::H1(Box::new(self.http1_client(identity))))
    }

    /// A pooled HTTP/1.1 client whose connections present `identity` (else the kubeconfig's
    /// client certificate) and time out reads after [`TransportOptions::read_timeout`].
    fn http1_client(
        &self,
        identity: Option<Arc<CertifiedKey>>,
    ) -> hyper_util::client::legacy::Client<Dialer, Body> {
        hyper_util::client::legacy::Builder::new(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(Dialer(self.clone(), identity))
    }

    /// A hyper error as a [`TransportError`] when TLS is behind it, else unchanged.
    fn http_error(&self, err: &(dyn std::error::Error + 'static)) -> TransportError {
        match find_rustls_error(err) {
            Some(r) => describe_tls(r, &self.inner.names, &self.server_name_text()),
            None => TransportError::Connect(chain(err)),
        }
    }

    async fn send(self, req: Request<Body>) -> Result<Response<Incoming>, BoxError> {
        let started = Instant::now();
        let line = match req.uri().query() {
            Some(q) => format!("{} {}?{q}", req.method(), req.uri().path()),
            None => format!("{} {}", req.method(), req.uri().path()),
        };
        let index = self.inner.trace.sent(line);
        let mut req = req;
        let credential = self.credential(&mut req).await?;
        let identity = credential
            .as_ref()
            .and_then(|c| c.identity.as_ref().map(|key| (c.generation, key)));
        let result = match self.route(started, identity).await? {
            Route::H2(mut sender) => {
                sender.ready().await.map_err(|e| self.wrap(e))?;
                sender.send_request(req).await.map_err(|e| self.wrap(e))
            }
            Route::H1(client) => client.request(req).await.map_err(|e| {
                let err: &(dyn std::error::Error + 'static) = &e;
                if let Some(silent) = find_silence(err) {
                    return Box::new(silent) as BoxError;
                }
                match find_rustls_error(err) {
                    Some(r) => {
                        Box::new(describe_tls(r, &self.inner.names, &self.server_name_text()))
                            as BoxError
                    }
                    None => Box::new(e) as BoxError,
                }
            }),
        };
        if let Ok(response) = &result {
            self.inner.trace.answered(index);
            // client-go: a 401 to a request that carried the plugin's token makes the next
            // request fetch a new one (the request itself is not repeated).
            if response.status() == http::StatusCode::UNAUTHORIZED
                && let (Some(credentials), Some(credential)) =
                    (&self.inner.options.credentials, &credential)
                && credential.token.is_some()
            {
                credentials.rejected(credential.generation).await;
            }
        }
        result
    }

    /// The fetched credential for this request (None: the kubeconfig's own, if any); its token
    /// goes into `req` unless the request already carries an `Authorization` header.
    async fn credential(
        &self,
        req: &mut Request<Body>,
    ) -> Result<Option<Arc<Credential>>, BoxError> {
        let Some(credentials) = &self.inner.options.credentials else {
            return Ok(None);
        };
        let credential = credentials
            .current()
            .await
            .map_err(|e| Box::new(TransportError::Credentials(e.to_string())) as BoxError)?;
        if let Some(token) = &credential.token
            && !req.headers().contains_key(http::header::AUTHORIZATION)
            && let Some(value) = super::credentials::bearer(token)
        {
            req.headers_mut().insert(http::header::AUTHORIZATION, value);
        }
        Ok(Some(credential))
    }

    /// hyper errors stay hyper errors (kube classifies them) unless TLS is behind them, or
    /// the HTTP/2 keep-alive ping found the server silent (said as the HTTP/1.1 read timeout).
    fn wrap(&self, e: hyper::Error) -> BoxError {
        if e.is_timeout() {
            return Box::new(TransportError::Silent(
                ReadTimeout(self.inner.options.read_timeout).to_string(),
            ));
        }
        let err: &(dyn std::error::Error + 'static) = &e;
        match find_rustls_error(err) {
            Some(r) => Box::new(describe_tls(r, &self.inner.names, &self.server_name_text())),
            None => Box::new(e),
        }
    }
}

fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

enum Route {
    H2(http2::SendRequest<Body>),
    H1(Box<hyper_util::client::legacy::Client<Dialer, Body>>),
}

impl tower::Service<Request<Body>> for Transport {
    type Response = Response<Incoming>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        Box::pin(self.clone().send(req))
    }
}

/// The connector of the HTTP/1.1 fallback: the same TCP + TLS set-up, ALPN `http/1.1` only,
/// with the client certificate of an exec credential if there is one.
#[derive(Clone)]
struct Dialer(Transport, Option<Arc<CertifiedKey>>);

impl tower::Service<Uri> for Dialer {
    type Response = Io;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, TransportError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let transport = self.0.clone();
        let identity = self.1.clone();
        Box::pin(async move {
            let (stream, _) = transport.dial(&[b"http/1.1"], identity.as_ref()).await?;
            Ok(Io {
                io: TokioIo::new(stream),
                read_timeout: transport.inner.options.read_timeout,
                silence: None,
            })
        })
    }
}

/// A TCP stream, with or without TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A [`Stream`] as hyper's legacy client wants it, with a read timeout: a read fails when
/// nothing was read or written for `read_timeout` (a request written starts the clock again,
/// so the time a connection sat idle in the pool does not count against its next answer).
/// After an upgrade (exec) the same holds for the session.
pub struct Io {
    io: TokioIo<Stream>,
    read_timeout: Duration,
    /// Running while a read waits.
    silence: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// The I/O error of a read that waited [`TransportOptions::read_timeout`].
#[derive(Debug, thiserror::Error)]
#[error("no answer for {} s (read timeout)", .0.as_secs())]
struct ReadTimeout(Duration);

/// The [`ReadTimeout`] in `err`'s source chain, as a [`TransportError`].
fn find_silence(err: &(dyn std::error::Error + 'static)) -> Option<TransportError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<ReadTimeout>())
        {
            return Some(TransportError::Silent(t.to_string()));
        }
        if let Some(t) = e.downcast_ref::<ReadTimeout>() {
            return Some(TransportError::Silent(t.to_string()));
        }
        cur = e.source();
    }
    None
}

impl LegacyConnection for Io {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.silence = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = this.read_timeout;
                let silence = this
                    .silence
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match silence.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.silence = None;
                        Poll::Ready(Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            ReadTimeout(timeout),
                        )))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl hyper::rt::Write for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &written
            && *n > 0
        {
            // A request went out: its answer gets the whole read timeout. The timer is moved,
            // not dropped: a read may be waiting already, and nothing else would wake it.
            if let Some(silence) = this.silence.as_mut() {
                silence
                    .as_mut()
                    .reset(tokio::time::Instant::now() + this.read_timeout);
            }
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walk_rejects_garbage() {
        assert_eq!(spki_of(&[]), None);
        assert_eq!(spki_of(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        assert_eq!(tlv(&[0x30, 0x82, 0x01]), None);
    }

    #[test]
    fn waves_follow_answers() {
        let trace = RequestTrace::default();
        let a = trace.sent("GET /a".into());
        let b = trace.sent("GET /b".into());
        trace.answered(a);
        trace.answered(b);
        let c = trace.sent("PATCH /c".into());
        trace.answered(c);
        let d = trace.sent("PATCH /d".into());
        assert_eq!(
            trace.waves(),
            vec![
                vec!["GET /a".to_string(), "GET /b".to_string()],
                vec!["PATCH /c".to_string()],
                vec!["PATCH /d".to_string()],
            ]
        );
        let _ = d;
    }
}
