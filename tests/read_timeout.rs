//! A server that accepts and never answers: every path of podwiz's transport gives up after its
//! read timeout with one clear line, bounded in time. Loopback servers of the test's own (a
//! plain TCP one for `http://`, TLS ones that finish the handshake offering only `http/1.1`, or
//! `h2`), and the connection's upgrade client (HTTP/1.1, used for exec).

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use podwiz::cli::ClusterArgs;
use podwiz::cluster::client::{self, BuildOptions};
use podwiz::cluster::{ClusterError, Connection, context};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// Generous: the point is that it ends, and soon after the read timeout.
const BOUND: Duration = Duration::from_secs(10);

/// Accepts connections (TLS with `alpn` if given) and never writes a byte; keeps them open.
async fn silent_server(alpn: Option<&[u8]>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = alpn.map(|protocol| {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("self-signed certificate");
        let chain = vec![CertificateDer::from(key.cert.der().to_vec())];
        let private =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .expect("server config");
        config.alpn_protocols = vec![protocol.to_vec()];
        tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))
    });
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            match &acceptor {
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        held.push(Box::new(tls) as Box<dyn Send>);
                    }
                }
                None => held.push(Box::new(tcp) as Box<dyn Send>),
            }
        }
    });
    addr
}

fn connection(server: &str) -> Connection {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config");
    let tls = if server.starts_with("https") {
        "    insecure-skip-tls-verify: true\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: silent\n  cluster:\n    server: {server}\n{tls}\
             users:\n- name: tester\n  user:\n    token: t\n\
             contexts:\n- name: ctx\n  context:\n    cluster: silent\n    user: tester\n\
             current-context: ctx\n"
        ),
    )
    .expect("write kubeconfig");
    let (info, config) = context::load(
        &ClusterArgs {
            kubeconfig: Some(path),
            context: None,
        },
        None,
    )
    .expect("load");
    client::build_with(
        info,
        config,
        &BuildOptions {
            read_timeout: READ_TIMEOUT,
            ..BuildOptions::default()
        },
    )
    .expect("build")
}

/// GET a namespace through `client`: the error line and how long it took.
async fn silent_get(client: kube::Client, server: &str) -> (String, Duration) {
    let started = Instant::now();
    let namespaces: Api<Namespace> = Api::all(client);
    // The test itself is bounded: a transport without a read timeout fails here.
    let err = tokio::time::timeout(BOUND, namespaces.get("default"))
        .await
        .unwrap_or_else(|_| panic!("no error within {BOUND:?}"))
        .expect_err("the server never answers");
    let took = started.elapsed();
    let err =
        ClusterError::from_kube(err, "get", "namespaces", None).with_endpoint(server, "tester");
    (err.to_string(), took)
}

fn check(text: &str, took: Duration, server: &str) {
    assert_eq!(
        text,
        format!("cannot reach the API server {server}: no answer for 1 s (read timeout)")
    );
    assert!(took >= READ_TIMEOUT, "{took:?}");
    assert!(took < BOUND, "{took:?}");
}

#[tokio::test]
async fn plain_http_server_that_never_answers() {
    let addr = silent_server(None).await;
    let server = format!("http://{addr}");
    let conn = connection(&server);
    let (text, took) = silent_get(conn.client.clone(), &server).await;
    check(&text, took, &server);
}

#[tokio::test]
async fn tls_server_offering_http1_only_that_never_answers() {
    let addr = silent_server(Some(b"http/1.1")).await;
    let server = format!("https://{addr}");
    let conn = connection(&server);
    let (text, took) = silent_get(conn.client.clone(), &server).await;
    check(&text, took, &server);
}

/// The client exec sessions go through (HTTP/1.1 upgrade).
#[tokio::test]
async fn upgrade_client_to_a_server_that_never_answers() {
    let addr = silent_server(Some(b"http/1.1")).await;
    let server = format!("https://{addr}");
    let conn = connection(&server);
    let (text, took) = silent_get(conn.upgrade_client.clone(), &server).await;
    check(&text, took, &server);
}

/// HTTP/2: the keep-alive ping goes unanswered; the same line as over HTTP/1.1.
#[tokio::test]
async fn tls_server_offering_h2_that_never_answers() {
    let addr = silent_server(Some(b"h2")).await;
    let server = format!("https://{addr}");
    let conn = connection(&server);
    let (text, took) = silent_get(conn.client.clone(), &server).await;
    check(&text, took, &server);
}
