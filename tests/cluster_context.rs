//! Loading the kube context and connecting, against the real test control plane: every error a
//! user can meet has a clear one-line message without secrets.

mod support;

use std::ffi::OsString;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::{ClusterError, client, context};
use support::cluster_fixtures as fx;
use support::control_plane as cp;

const TOKEN: &str = "podwiz-test-secret-token-0123456789abcdef";

fn assert_one_line_no_secret(msg: &str) {
    assert!(!msg.contains('\n'), "not one line: {msg}");
    for secret in [TOKEN, "BEGIN", "PRIVATE KEY", "client-key-data", "LS0tLS1"] {
        assert!(!msg.contains(secret), "secret-ish {secret:?} in: {msg}");
    }
}

fn load_err(args: &ClusterArgs, env: Option<&str>, home: Option<&std::path::Path>) -> String {
    let env = env.map(OsString::from);
    let err =
        context::load_with_env(args, None, env.as_deref(), home).expect_err("loading should fail");
    let msg = err.to_string();
    assert_one_line_no_secret(&msg);
    msg
}

#[tokio::test]
async fn admin_context_is_loaded_and_connects() {
    let (info, config) = context::load(&fx::args(cp::admin_kubeconfig_path(), None), None)
        .expect("load admin kubeconfig");
    assert_eq!(info.context, "admin@envtest");
    assert_eq!(info.cluster, "envtest");
    assert_eq!(info.server, cp::server_url());
    assert_eq!(info.user, "admin");
    assert_eq!(info.namespace, "default");
    assert_eq!(config.default_namespace, "default");
    assert!(config.connect_timeout.is_some() && config.read_timeout.is_some());

    let conn = client::connect(&fx::args(cp::admin_kubeconfig_path(), None), Some("other"))
        .await
        .expect("connect");
    assert_eq!(
        conn.info.namespace, "other",
        "-n wins over the context's namespace"
    );
}

#[test]
fn kubeconfig_env_skips_missing_files_and_merges_first_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alice = kube::config::Kubeconfig::read_from(cp::user_kubeconfig_path()).expect("alice");
    let a = fx::write_kubeconfig(dir.path(), "alice.yaml", &alice);
    let b = fx::write_kubeconfig(dir.path(), "admin.yaml", &fx::admin_kubeconfig());
    let missing = dir.path().join("missing.yaml");
    let env = format!("{}:{}:{}", missing.display(), a.display(), b.display());
    let env = OsString::from(env);
    let (info, _) = context::load_with_env(&ClusterArgs::default(), None, Some(&env), None)
        .expect("missing files in KUBECONFIG are skipped");
    assert_eq!(
        info.context, "alice@envtest",
        "first file's current-context wins"
    );
    // Both files' contexts are known after the merge.
    let args = ClusterArgs {
        kubeconfig: None,
        context: Some("admin@envtest".into()),
    };
    let (info, _) = context::load_with_env(&args, Some("ns1"), Some(&env), None).expect("merged");
    assert_eq!(
        (info.user.as_str(), info.namespace.as_str()),
        ("admin", "ns1")
    );
}

#[test]
fn no_kubeconfig_names_the_paths_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    let msg = load_err(
        &ClusterArgs::default(),
        Some(&format!("{}:{}", a.display(), b.display())),
        None,
    );
    assert_eq!(
        msg,
        format!(
            "no kubeconfig found: tried {}, {} (from KUBECONFIG)",
            a.display(),
            b.display()
        )
    );
    let msg = load_err(&ClusterArgs::default(), None, Some(dir.path()));
    assert!(
        msg.starts_with(&format!(
            "no kubeconfig found: tried {}",
            dir.path().join(".kube/config").display()
        )),
        "{msg}"
    );
    let msg = load_err(&fx::args(&a, None), None, None);
    assert_eq!(
        msg,
        format!(
            "kubeconfig {} (from --kubeconfig) does not exist",
            a.display()
        )
    );
}

#[test]
fn malformed_kubeconfig_names_file_and_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: [unclosed\ncontexts: []\n",
    )
    .expect("write");
    let msg = load_err(&fx::args(&path, None), None, None);
    assert!(
        msg.starts_with(&format!("malformed kubeconfig {} at line ", path.display())),
        "{msg}"
    );
    // A wrong type: the position is given, and a long secret-looking value is not echoed.
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Config\nclusters: {TOKEN}\n"),
    )
    .expect("write");
    let msg = load_err(&fx::args(&path, None), None, None);
    assert!(msg.contains(" at line 3"), "{msg}");
}

/// Kubeconfigs are untrusted input: an endless device, an oversized file and an alias bomb end
/// in a one-line error naming the file, in bounded memory (16 MiB read at most; serde-saphyr's
/// parse budget caps alias expansion).
#[test]
fn oversized_endless_and_alias_bomb_kubeconfigs_are_refused() {
    let msg = load_err(
        &fx::args(std::path::Path::new("/dev/zero"), None),
        None,
        None,
    );
    assert_eq!(
        msg,
        "cannot read kubeconfig /dev/zero: larger than 16 MiB: not a kubeconfig (podwiz reads at most that much)"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    let file = std::fs::File::create(&big).expect("create");
    // Sparse: 17 MiB of apparent size, no disk used.
    file.set_len(17 << 20).expect("set_len");
    let msg = load_err(&fx::args(&big, None), None, None);
    assert!(
        msg.starts_with(&format!(
            "cannot read kubeconfig {}: larger than 16 MiB",
            big.display()
        )),
        "{msg}"
    );

    let bomb = dir.path().join("bomb.yaml");
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for level in 'b'..='l' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{level}: &{level} [{refs}]\n"));
        prev = level;
    }
    text.push_str("apiVersion: v1\nkind: Config\n");
    std::fs::write(&bomb, text).expect("write");
    let started = Instant::now();
    let msg = load_err(&fx::args(&bomb, None), None, None);
    assert!(
        msg.starts_with(&format!("malformed kubeconfig {} at line ", bomb.display()))
            && msg.contains("budget"),
        "{msg}"
    );
    // Not a timing assertion on speed, a bound on a hang: 10^12 nodes would never finish.
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A kubeconfig read from a pipe (`--kubeconfig <(...)`) is read like a file.
#[test]
fn kubeconfig_from_a_pipe_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("kubeconfig.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        std::fs::write(
            writer_path,
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: c\n  context: {cluster: k, user: u, namespace: piped}\nusers:\n- name: u\n  user: {token: abc}\n",
        )
    });
    let (info, _) = context::load_with_env(&fx::args(&fifo, None), None, None, None)
        .expect("load kubeconfig from a fifo");
    writer.join().expect("writer thread").expect("write fifo");
    assert_eq!(
        (info.context.as_str(), info.namespace.as_str()),
        ("c", "piped")
    );
}

#[test]
fn no_current_context_lists_known_contexts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kc = fx::admin_kubeconfig();
    kc.current_context = None;
    let path = fx::write_kubeconfig(dir.path(), "nocurrent.yaml", &kc);
    let msg = load_err(&fx::args(&path, None), None, None);
    assert_eq!(
        msg,
        format!(
            "no current context in {}: pass --context NAME; known contexts: admin@envtest",
            path.display()
        )
    );
}

#[test]
fn unknown_context_lists_known_contexts() {
    let msg = load_err(
        &fx::args(cp::admin_kubeconfig_path(), Some("prod")),
        None,
        None,
    );
    assert_eq!(
        msg,
        format!(
            "context \"prod\" not found in {}; known contexts: admin@envtest",
            cp::admin_kubeconfig_path().display()
        )
    );
}

#[tokio::test]
async fn closed_port_fails_fast() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fx::closed_port_url();
    let path = fx::write_kubeconfig(
        dir.path(),
        "closed.yaml",
        &fx::with_server(fx::admin_kubeconfig(), &url),
    );
    let started = Instant::now();
    let err = client::connect(&fx::args(&path, None), None)
        .await
        .expect_err("nothing listens there");
    let elapsed = started.elapsed();
    eprintln!("closed port failed after {elapsed:?}: {err}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(matches!(err, ClusterError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot reach the API server {url}: ")),
        "{msg}"
    );
    assert_one_line_no_secret(&msg);
}

#[tokio::test]
async fn unknown_ca_is_a_tls_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = fx::write_kubeconfig(
        dir.path(),
        "wrongca.yaml",
        &fx::with_wrong_ca(fx::admin_kubeconfig()),
    );
    let err = client::connect(&fx::args(&path, None), None)
        .await
        .expect_err("the server's certificate is not signed by that CA");
    assert!(matches!(err, ClusterError::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "TLS handshake with the API server {} failed: ",
            cp::server_url()
        )),
        "{msg}"
    );
    assert_one_line_no_secret(&msg);
}

#[tokio::test]
async fn bad_token_is_unauthorized_without_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = fx::write_kubeconfig(
        dir.path(),
        "token.yaml",
        &fx::with_token(fx::admin_kubeconfig(), TOKEN),
    );
    let err = client::connect(&fx::args(&path, None), None)
        .await
        .expect_err("the token is unknown to the server");
    assert!(matches!(err, ClusterError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert_eq!(
        msg,
        format!(
            "unauthorized: the API server {} rejected the credentials of kubeconfig user \"admin\" (401); log in again or check the kubeconfig user",
            cp::server_url()
        )
    );
    assert_one_line_no_secret(&msg);
}

#[tokio::test]
async fn forbidden_names_user_verb_resource_and_namespace() {
    let ns = cp::fresh_namespace("ctx-403");
    let conn = fx::user_connection(Some(&ns)).await;
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
    let err = pods
        .list(&ListParams::default())
        .await
        .expect_err("alice has no RBAC");
    let err = conn.error(err, "list", "pods", Some(&ns));
    assert!(err.is_forbidden(), "{err:?}");
    let msg = err.to_string();
    assert_eq!(
        msg,
        format!(
            "forbidden: pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\""
        )
    );
}

#[tokio::test]
async fn missing_namespace_is_reported() {
    let conn = fx::admin_connection(Some("podwiz-no-such-namespace")).await;
    let err = podwiz::cluster::doctor::run(&conn, None)
        .await
        .expect_err("namespace does not exist");
    assert_eq!(
        err.to_string(),
        "namespace \"podwiz-no-such-namespace\" not found"
    );
}

#[test]
fn cli_errors_are_one_line_and_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(["doctor"])
        .env("KUBECONFIG", &missing)
        .env("HOME", dir.path())
        .output()
        .expect("run podwiz");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "podwiz: no kubeconfig found: tried {} (from KUBECONFIG)",
            missing.display()
        )
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .args(["--context", "nope"])
        .output()
        .expect("run podwiz");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("known contexts: admin@envtest"), "{stderr}");
}
