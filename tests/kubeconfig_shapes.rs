//! Every kubeconfig shape kubectl accepts, against the real API server of
//! tests/support/control_plane.rs: client certificates inline and as files (relative to the
//! kubeconfig's folder), RSA PKCS#1 / PKCS#8 and EC (SEC1 / PKCS#8) keys, X.509 v1 and v3
//! client certificates, `token`, `tokenFile`, an exec credential plugin, the real CA and
//! `insecure-skip-tls-verify`, a context's namespace, cluster and user split over two
//! KUBECONFIG files, `tls-server-name`; and bad values, each a one-line error naming the file,
//! the user or cluster, and the field.
//!
//! Exec plugins in depth (client certificates from a plugin, expiry, 401, failures) and
//! `tokenFile` rotation: tests/exec_credentials.rs; read timeouts: tests/read_timeout.rs.
//!
//! Who the server thinks we are is asked with a SelfSubjectReview: it needs an authenticated
//! user (unlike `/version`), so a connection that "works" anonymously cannot pass.
//!
//! Keys and certificates come from the openssl CLI: rcgen cannot write an X.509 v1
//! certificate, and `openssl x509 -req` without extensions is exactly the recipe users follow.

mod support;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::{ClusterError, Connection, client, context};
use support::control_plane::{self as cp, ControlPlane};

// ---- helpers -------------------------------------------------------------------------------

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run openssl {args:?}: {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy, Debug)]
enum Key {
    /// `-----BEGIN RSA PRIVATE KEY-----`
    RsaPkcs1,
    /// `-----BEGIN PRIVATE KEY-----` (RSA)
    RsaPkcs8,
    /// `-----BEGIN EC PRIVATE KEY-----` (P-256)
    EcSec1,
    /// `-----BEGIN PRIVATE KEY-----` (P-384)
    EcPkcs8,
}

/// The CA of the control plane as files in `dir` (ca.crt, ca.key).
fn ca_files(dir: &Path) {
    let cp = ControlPlane::shared();
    std::fs::write(dir.join("ca.crt"), cp.ca_cert_pem()).expect("write ca.crt");
    std::fs::write(dir.join("ca.key"), cp.ca_key_pem()).expect("write ca.key");
}

/// A key of `kind` and a client certificate for `user` (O=`group`), X.509 v1 or v3, signed by
/// the control plane's CA: `dir/<stem>.key`, `dir/<stem>.crt`.
fn client_cert(dir: &Path, stem: &str, user: &str, group: &str, kind: Key, v1: bool) {
    ca_files(dir);
    let key = format!("{stem}.key");
    let csr = format!("{stem}.csr");
    let crt = format!("{stem}.crt");
    match kind {
        Key::RsaPkcs1 => openssl(dir, &["genrsa", "-traditional", "-out", &key, "2048"]),
        Key::RsaPkcs8 => openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                &key,
            ],
        ),
        Key::EcSec1 => openssl(
            dir,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                &key,
            ],
        ),
        Key::EcPkcs8 => openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-out",
                &key,
            ],
        ),
    }
    let key_text = std::fs::read_to_string(dir.join(&key)).expect("read key");
    let header = match kind {
        Key::RsaPkcs1 => "-----BEGIN RSA PRIVATE KEY-----",
        Key::EcSec1 => "-----BEGIN EC PRIVATE KEY-----",
        Key::RsaPkcs8 | Key::EcPkcs8 => "-----BEGIN PRIVATE KEY-----",
    };
    assert!(key_text.starts_with(header), "{kind:?}: {key_text}");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            &format!("/CN={user}/O={group}"),
            "-out",
            &csr,
        ],
    );
    let mut sign = vec![
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "7",
        "-days",
        "2",
        "-out",
        &crt,
    ];
    if !v1 {
        std::fs::write(
            dir.join("v3.ext"),
            "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
        )
        .expect("write v3.ext");
        sign.extend(["-extfile", "v3.ext"]);
    }
    openssl(dir, &sign);
    // The premise: which version openssl wrote.
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", &crt])
        .current_dir(dir)
        .output()
        .expect("openssl x509 -text");
    let text = String::from_utf8_lossy(&out.stdout);
    let want = if v1 {
        "Version: 1 (0x0)"
    } else {
        "Version: 3 (0x2)"
    };
    assert!(text.contains(want), "{crt} is not {want}:\n{text}");
}

fn b64(path: &Path) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// A kubeconfig with one cluster (`envtest`), one user (`user_yaml`, indented by 4) and one
/// context `ctx` (namespace `namespace` if given).
fn kubeconfig(cluster_yaml: &str, user_yaml: &str, namespace: Option<&str>) -> String {
    let ns = namespace
        .map(|n| format!("    namespace: {n}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n{cluster_yaml}\
         users:\n- name: tester\n  user:\n{user_yaml}\
         contexts:\n- name: ctx\n  context:\n    cluster: envtest\n    user: tester\n{ns}\
         current-context: ctx\n"
    )
}

/// The real server with the real CA, inline.
fn cluster_with_ca() -> String {
    let cp = ControlPlane::shared();
    use base64::Engine as _;
    format!(
        "    server: {}\n    certificate-authority-data: {}\n",
        cp.server_url(),
        base64::engine::general_purpose::STANDARD.encode(cp.ca_cert_pem())
    )
}

fn args(path: &Path) -> ClusterArgs {
    ClusterArgs {
        kubeconfig: Some(path.to_path_buf()),
        context: None,
    }
}

async fn connect(path: &Path) -> Result<Connection, ClusterError> {
    client::connect(&args(path), None).await
}

/// The user name the API server authenticated.
async fn whoami(conn: &Connection) -> String {
    let reviews: Api<SelfSubjectReview> = Api::all(conn.client.clone());
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .unwrap_or_else(|e| panic!("SelfSubjectReview: {e}"));
    review
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_default()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// Connects with a client certificate of `kind`, inline (`-data`) or as files named relative
/// to the kubeconfig's folder, and checks the server sees the certificate's user.
async fn cert_user_connects(kind: Key, v1: bool, inline: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let user = format!(
        "u-{}-{}-{}",
        format!("{kind:?}").to_lowercase(),
        if v1 { "v1" } else { "v3" },
        if inline { "inline" } else { "files" }
    );
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).expect("mkdir certs");
    client_cert(&certs, "client", &user, "shapes", kind, v1);
    let user_yaml = if inline {
        format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(&certs.join("client.crt")),
            b64(&certs.join("client.key"))
        )
    } else {
        "    client-certificate: certs/client.crt\n    client-key: certs/client.key\n".to_string()
    };
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster_with_ca(), &user_yaml, None),
    );
    // Run from another folder: relative paths must follow the kubeconfig, not the cwd.
    let conn = connect(&path)
        .await
        .unwrap_or_else(|e| panic!("{user}: {e}"));
    assert_eq!(whoami(&conn).await, user);
}

// ---- client certificates -------------------------------------------------------------------

#[tokio::test]
async fn rsa_pkcs1_v3_inline() {
    cert_user_connects(Key::RsaPkcs1, false, true).await;
}

#[tokio::test]
async fn rsa_pkcs8_v3_files() {
    cert_user_connects(Key::RsaPkcs8, false, false).await;
}

#[tokio::test]
async fn ec_sec1_v3_files() {
    cert_user_connects(Key::EcSec1, false, false).await;
}

#[tokio::test]
async fn ec_pkcs8_p384_v3_inline() {
    cert_user_connects(Key::EcPkcs8, false, true).await;
}

#[tokio::test]
async fn x509_v1_rsa_pkcs1_inline() {
    cert_user_connects(Key::RsaPkcs1, true, true).await;
}

#[tokio::test]
async fn x509_v1_ec_files() {
    cert_user_connects(Key::EcSec1, true, false).await;
}

/// The cause podwiz works around: stock rustls refuses to load a v1 client certificate
/// (`with_client_auth_cert` checks key and certificate with webpki, which parses v3 only),
/// while podwiz's own loading accepts it. If rustls ever accepts v1 itself, this fails and the
/// workaround can go.
#[test]
fn stock_rustls_rejects_a_v1_client_certificate() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(dir.path(), "v1", "v1-user", "shapes", Key::EcSec1, true);
    let cert_pem = std::fs::read(dir.path().join("v1.crt")).expect("read crt");
    let key_pem = std::fs::read(dir.path().join("v1.key")).expect("read key");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .expect("pem");
    let key = PrivateKeyDer::from_pem_slice(&key_pem).expect("key");
    let err = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_client_auth_cert(chain, key)
    .expect_err("stock rustls loads no v1 certificate");
    assert!(
        format!("{err:?}").contains("UnsupportedCertVersion"),
        "{err:?}"
    );
    podwiz::cluster::transport::identity(&cert_pem, &key_pem).expect("podwiz loads it");
}

/// A v1 client certificate does not switch off server verification: with another CA as the
/// cluster's certificate-authority, the handshake fails on the server's certificate.
#[tokio::test]
async fn x509_v1_keeps_server_verification() {
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(
        dir.path(),
        "client",
        "v1-verify",
        "shapes",
        Key::EcSec1,
        true,
    );
    let other_ca = rcgen::generate_simple_self_signed(vec!["other-ca".to_string()])
        .expect("other CA")
        .cert
        .pem();
    use base64::Engine as _;
    let cluster = format!(
        "    server: {}\n    certificate-authority-data: {}\n",
        cp::server_url(),
        base64::engine::general_purpose::STANDARD.encode(other_ca)
    );
    let user = "    client-certificate: client.crt\n    client-key: client.key\n";
    let path = write(dir.path(), "config", &kubeconfig(&cluster, user, None));
    let err = connect(&path).await.expect_err("the server is not trusted");
    assert!(matches!(err, ClusterError::Tls { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "TLS handshake with the API server {} failed: the server certificate is not trusted by the certificate-authority of cluster \"envtest\" (unknown issuer); check certificate-authority(-data) of cluster \"envtest\" in the kubeconfig, or whether 127.0.0.1 is the right server",
            cp::server_url()
        )
    );
}

// ---- tokens ---------------------------------------------------------------------------------

#[tokio::test]
async fn token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("shapes-token");
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster_with_ca(), &format!("    token: {token}\n"), None),
    );
    let conn = connect(&path).await.expect("connect with a token");
    assert_eq!(
        whoami(&conn).await,
        "system:serviceaccount:default:shapes-token"
    );
}

#[tokio::test]
async fn token_file_relative_to_the_kubeconfig() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("shapes-token-file");
    std::fs::create_dir(dir.path().join("secrets")).expect("mkdir");
    write(dir.path(), "secrets/token", &format!("{token}\n"));
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster_with_ca(), "    tokenFile: secrets/token\n", None),
    );
    let conn = connect(&path).await.expect("connect with a token file");
    assert_eq!(
        whoami(&conn).await,
        "system:serviceaccount:default:shapes-token-file"
    );
}

#[tokio::test]
async fn exec_credential_plugin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("shapes-exec");
    let plugin = write(
        dir.path(),
        "credential-plugin.sh",
        &format!(
            "#!/bin/sh\n# An exec credential plugin (client.authentication.k8s.io/v1).\ncat <<EOF\n\
             {{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}\nEOF\n"
        ),
    );
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./credential-plugin.sh\n      interactiveMode: Never\n";
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster_with_ca(), user, None),
    );
    let conn = connect(&path).await.expect("connect with an exec plugin");
    assert_eq!(
        whoami(&conn).await,
        "system:serviceaccount:default:shapes-exec"
    );
}

// ---- cluster side ---------------------------------------------------------------------------

#[tokio::test]
async fn insecure_skip_tls_verify_without_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(
        dir.path(),
        "client",
        "u-insecure",
        "shapes",
        Key::EcSec1,
        false,
    );
    let cluster = format!(
        "    server: {}\n    insecure-skip-tls-verify: true\n",
        cp::server_url()
    );
    let user = "    client-certificate: client.crt\n    client-key: client.key\n";
    let path = write(dir.path(), "config", &kubeconfig(&cluster, user, None));
    let conn = connect(&path).await.expect("connect without verification");
    assert_eq!(whoami(&conn).await, "u-insecure");
}

#[tokio::test]
async fn real_ca_as_a_relative_file_and_namespace_of_the_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(
        dir.path(),
        "client",
        "u-ca-file",
        "shapes",
        Key::RsaPkcs8,
        false,
    );
    let cluster = format!(
        "    server: {}\n    certificate-authority: ca.crt\n",
        cp::server_url()
    );
    let user = "    client-certificate: client.crt\n    client-key: client.key\n";
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster, user, Some("team-a")),
    );
    let conn = connect(&path).await.expect("connect with a CA file");
    assert_eq!(whoami(&conn).await, "u-ca-file");
    assert_eq!(conn.info.namespace, "team-a");
    assert_eq!(conn.client.default_namespace(), "team-a");
}

#[tokio::test]
async fn tls_server_name_is_what_the_certificate_is_checked_against() {
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(dir.path(), "client", "u-sni", "shapes", Key::EcSec1, false);
    let user = "    client-certificate: client.crt\n    client-key: client.key\n";
    // The serving certificate has the name kubernetes.default, not this one.
    let good = format!(
        "{}    tls-server-name: kubernetes.default\n",
        cluster_with_ca()
    );
    let path = write(dir.path(), "good", &kubeconfig(&good, user, None));
    let conn = connect(&path)
        .await
        .expect("tls-server-name in the certificate");
    assert_eq!(whoami(&conn).await, "u-sni");

    let bad = format!(
        "{}    tls-server-name: not-in-the-cert.example\n",
        cluster_with_ca()
    );
    let path = write(dir.path(), "bad", &kubeconfig(&bad, user, None));
    let err = connect(&path)
        .await
        .expect_err("name not in the certificate");
    assert_eq!(
        err.to_string(),
        format!(
            "TLS handshake with the API server {} failed: the server certificate is not valid for the name \"not-in-the-cert.example\"; use a name the certificate has in server: of cluster \"envtest\", or set its tls-server-name",
            cp::server_url()
        )
    );
}

#[tokio::test]
async fn cluster_and_user_split_across_two_kubeconfig_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let cluster_dir = root.path().join("clusters");
    let user_dir = root.path().join("users");
    std::fs::create_dir_all(&cluster_dir).expect("mkdir");
    std::fs::create_dir_all(user_dir.join("pki")).expect("mkdir");
    client_cert(
        &user_dir.join("pki"),
        "me",
        "u-split",
        "shapes",
        Key::RsaPkcs1,
        true,
    );
    ca_files(&cluster_dir);
    let clusters = write(
        &cluster_dir,
        "config",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {}\n    certificate-authority: ca.crt\n\
             contexts:\n- name: split\n  context:\n    cluster: envtest\n    user: me\n    namespace: split-ns\ncurrent-context: split\n",
            cp::server_url()
        ),
    );
    let users = write(
        &user_dir,
        "config",
        "apiVersion: v1\nkind: Config\nusers:\n- name: me\n  user:\n    client-certificate: pki/me.crt\n    client-key: pki/me.key\n",
    );
    let env: OsString = std::env::join_paths([&clusters, &users]).expect("join");
    let (info, config) =
        context::load_with_env(&ClusterArgs::default(), None, Some(&env), None).expect("load");
    assert_eq!(
        (
            info.cluster.as_str(),
            info.user.as_str(),
            info.namespace.as_str()
        ),
        ("envtest", "me", "split-ns")
    );
    let conn = client::connect_with(info, config).await.expect("connect");
    assert_eq!(whoami(&conn).await, "u-split");
}

// ---- bad values: one line, naming the file, the entry and the field --------------------------

fn load_error(path: &Path) -> String {
    let err = context::load(&args(path), None).expect_err("the kubeconfig is bad");
    let msg = err.to_string();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    msg
}

#[test]
fn bad_values_name_file_entry_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    client_cert(dir.path(), "client", "u-bad", "shapes", Key::EcSec1, false);
    client_cert(dir.path(), "other", "u-other", "shapes", Key::EcSec1, false);
    let good_cluster = cluster_with_ca();
    let cases: Vec<(&str, String, String, String)> = vec![
        (
            "key-data-not-base64",
            good_cluster.clone(),
            format!(
                "    client-certificate-data: {}\n    client-key-data: '%%% not base64 %%%'\n",
                b64(&dir.path().join("client.crt"))
            ),
            "user \"tester\": client-key-data: not base64".to_string(),
        ),
        (
            "missing-cert-file",
            good_cluster.clone(),
            "    client-certificate: nope.crt\n    client-key: client.key\n".to_string(),
            format!(
                "user \"tester\": client-certificate: cannot read {}",
                dir.path().join("nope.crt").display()
            ),
        ),
        (
            "key-of-another-cert",
            good_cluster.clone(),
            "    client-certificate: client.crt\n    client-key: other.key\n".to_string(),
            "user \"tester\": client-key: the private key does not belong to the client certificate"
                .to_string(),
        ),
        (
            "cert-without-key",
            good_cluster.clone(),
            "    client-certificate: client.crt\n".to_string(),
            "user \"tester\": client-key: missing".to_string(),
        ),
        (
            "key-is-a-certificate",
            good_cluster.clone(),
            "    client-certificate: client.crt\n    client-key: client.crt\n".to_string(),
            "user \"tester\": client-key: no private key in it".to_string(),
        ),
        (
            "token-file-missing",
            good_cluster.clone(),
            "    tokenFile: no-such-token\n".to_string(),
            format!(
                "user \"tester\": tokenFile: cannot read {}",
                dir.path().join("no-such-token").display()
            ),
        ),
        (
            "ca-not-pem",
            format!(
                "    server: {}\n    certificate-authority-data: {}\n",
                cp::server_url(),
                b64(&dir.path().join("v3.ext"))
            ),
            "    client-certificate: client.crt\n    client-key: client.key\n".to_string(),
            "cluster \"envtest\": certificate-authority-data: no PEM certificate".to_string(),
        ),
        (
            "ca-file-missing",
            format!(
                "    server: {}\n    certificate-authority: missing-ca.crt\n",
                cp::server_url()
            ),
            "    client-certificate: client.crt\n    client-key: client.key\n".to_string(),
            format!(
                "cluster \"envtest\": certificate-authority: cannot read {}",
                dir.path().join("missing-ca.crt").display()
            ),
        ),
        (
            "server-not-a-url",
            "    server: ftp://example.com\n".to_string(),
            "    token: abc\n".to_string(),
            "cluster \"envtest\": server: \"ftp://example.com\" is not an https:// URL".to_string(),
        ),
    ];
    // No line of key or certificate data may reach the message.
    let secrets: Vec<String> = ["client.key", "client.crt", "other.key"]
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(dir.path().join(f))
                .expect("read pem")
                .lines()
                .filter(|l| l.len() > 20 && !l.starts_with("-----"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    for (name, cluster, user, expected) in cases {
        let path = write(dir.path(), name, &kubeconfig(&cluster, &user, None));
        let msg = load_error(&path);
        let prefix = format!("invalid kubeconfig ({}): {expected}", path.display());
        assert!(
            msg.starts_with(&prefix),
            "{name}:\n  got  {msg}\n  want {prefix}…"
        );
        for secret in &secrets {
            assert!(
                !msg.contains(secret.as_str()),
                "{name}: key material in {msg}"
            );
        }
    }
}

/// The file named is the one that defines the entry, also when KUBECONFIG lists several.
#[test]
fn bad_user_in_the_second_kubeconfig_file_names_that_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clusters = write(
        dir.path(),
        "clusters",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n{}contexts:\n- name: c\n  context:\n    cluster: envtest\n    user: me\ncurrent-context: c\n",
            cluster_with_ca()
        ),
    );
    let users = write(
        dir.path(),
        "users",
        "apiVersion: v1\nkind: Config\nusers:\n- name: me\n  user:\n    client-certificate-data: bm90IGEgY2VydA==\n    client-key-data: bm90IGEga2V5\n",
    );
    let env: OsString = std::env::join_paths([&clusters, &users]).expect("join");
    let err = context::load_with_env(&ClusterArgs::default(), None, Some(&env), None)
        .expect_err("bad certificate");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid kubeconfig ({}): user \"me\": client-certificate-data: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
            users.display()
        )
    );
}

/// A client certificate the server does not trust: kube-apiserver asks for a certificate but
/// verifies it in its authenticator, so this is a 401 naming the user.
#[tokio::test]
async fn untrusted_client_certificate_is_unauthorized_naming_the_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Signed by a CA of its own, not the cluster's.
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mallory");
    let cert = params.self_signed(&key).expect("self-signed");
    write(dir.path(), "m.crt", &cert.pem());
    write(dir.path(), "m.key", &key.serialize_pem());
    let user = "    client-certificate: m.crt\n    client-key: m.key\n";
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&cluster_with_ca(), user, None),
    );
    let err = connect(&path).await.expect_err("untrusted client cert");
    assert_eq!(
        err.to_string(),
        format!(
            "unauthorized: the API server {} rejected the credentials of kubeconfig user \"tester\" (401); log in again or check the kubeconfig user",
            cp::server_url()
        )
    );
}

// ---- a server without HTTP/2 -----------------------------------------------------------------

/// `kubectl proxy` serves plain HTTP/1.1 (no h2c): podwiz falls back to pooled HTTP/1.1 and
/// runs a whole doctor (parallel waves) through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_url_through_kubectl_proxy_uses_http1() {
    use std::io::BufRead as _;
    let cp = ControlPlane::shared();
    let mut proxy = cp
        .kubectl_admin()
        .args(["proxy", "--port=0", "--address=127.0.0.1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kubectl proxy");
    let stdout = proxy.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("kubectl proxy's first line");
    // "Starting to serve on 127.0.0.1:PORT"
    let addr = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    // Behind a delay proxy, so that the request waves are told apart reliably (see
    // tests/round_trips.rs).
    let delay = support::delay_proxy::DelayProxy::start(
        addr.parse().expect("kubectl proxy address"),
        std::time::Duration::from_millis(20),
        std::time::Duration::from_secs(120),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(
            &format!("    server: http://{}\n", delay.addr),
            "    {}\n",
            None,
        ),
    );
    let ns = cp::fresh_namespace("h1");
    let result = async {
        let conn = client::connect(&args(&path), Some(&ns)).await?;
        podwiz::cluster::doctor::run(&conn, None)
            .await
            .map(|r| (r, conn))
    }
    .await;
    let _ = proxy.kill();
    let _ = proxy.wait();
    let (report, conn) = result.unwrap_or_else(|e| panic!("through kubectl proxy at {addr}: {e}"));
    assert_eq!(report.modes.len(), podwiz::scenario::Mode::ALL.len());
    // The first connection found no h2 and was dropped; the pool then dialed its own.
    assert!(conn.trace.dials() >= 2, "{}", conn.trace.describe());
    // The probe of `connect`, then doctor's two waves: the same waves as over HTTP/2.
    assert_eq!(conn.trace.waves().len(), 3, "{}", conn.trace.timeline());
}
