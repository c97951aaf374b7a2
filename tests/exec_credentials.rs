//! Credentials podwiz fetches itself (src/cluster/credentials.rs), against the real API server of
//! tests/support/control_plane.rs: exec credential plugins (real shell scripts) that print a
//! client certificate (X.509 v3 from the test CA, and v1 from the `openssl x509 -req` recipe) or
//! a token, in client.authentication.k8s.io/v1 and v1beta1; the cache until
//! `expirationTimestamp`, a new run after it and after a 401; plugins that fail, are missing,
//! hang, print garbage or too much; and a `tokenFile` read again while podwiz runs.
//!
//! Who the server thinks we are is asked with a SelfSubjectReview (anonymous requests cannot
//! pass it).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::client::{self, BuildOptions};
use podwiz::cluster::{ClusterError, Connection, context};
use support::control_plane::ControlPlane;

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
const PAST: &str = "2000-01-01T00:00:00Z";
const FUTURE: &str = "2100-01-01T00:00:00Z";

// ---- helpers -------------------------------------------------------------------------------

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A kubeconfig (cluster `envtest` with the real CA, user `tester`, context `ctx`) whose user
/// is `user_yaml` (indented by 4).
fn kubeconfig(dir: &Path, user_yaml: &str) -> PathBuf {
    let cp = ControlPlane::shared();
    let path = dir.join("config");
    write(
        &path,
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n\
             users:\n- name: tester\n  user:\n{user_yaml}\
             contexts:\n- name: ctx\n  context:\n    cluster: envtest\n    user: tester\n\
             current-context: ctx\n",
            cp.server_url(),
            b64(cp.ca_cert_pem().as_bytes())
        ),
    );
    path
}

fn args(path: &Path) -> ClusterArgs {
    ClusterArgs {
        kubeconfig: Some(path.to_path_buf()),
        context: None,
    }
}

/// Built without the probe request, with `options`.
fn build(path: &Path, options: &BuildOptions) -> Result<Connection, String> {
    let (info, config) = context::load(&args(path), None).map_err(|e| e.to_string())?;
    client::build_with(info, config, options).map_err(|e| e.to_string())
}

async fn whoami(conn: &Connection) -> Result<String, kube::Error> {
    let reviews: Api<SelfSubjectReview> = Api::all(conn.client.clone());
    let review = reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await?;
    Ok(review
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_default())
}

/// The PEM client certificate and key of `user`, v3, signed by the test CA.
fn v3_identity(user: &str) -> (String, String) {
    let cp = ControlPlane::shared();
    let kc = kube::config::Kubeconfig::read_from(cp.kubeconfig_for(user, &["exec-plugins"]))
        .expect("read the test kubeconfig");
    let auth = kc.auth_infos[0].auth_info.clone().expect("user");
    use base64::Engine as _;
    use secrecy::ExposeSecret as _;
    let decode = |s: &str| {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .expect("base64"),
        )
        .expect("PEM text")
    };
    (
        decode(auth.client_certificate_data.as_deref().expect("cert")),
        decode(auth.client_key_data.as_ref().expect("key").expose_secret()),
    )
}

/// An X.509 *version 1* client certificate of `user` (the `openssl x509 -req` recipe without
/// extensions, as MicroK8s writes them), signed by the test CA, with its EC key.
fn v1_identity(dir: &Path, user: &str) -> (String, String) {
    let cp = ControlPlane::shared();
    write(&dir.join("ca.crt"), cp.ca_cert_pem());
    write(&dir.join("ca.key"), cp.ca_key_pem());
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("openssl {args:?}: {e}"));
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "v1.key",
    ]);
    run(&[
        "req",
        "-new",
        "-key",
        "v1.key",
        "-subj",
        &format!("/CN={user}/O=exec-plugins"),
        "-out",
        "v1.csr",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "v1.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "9",
        "-days",
        "2",
        "-out",
        "v1.crt",
    ]);
    let text =
        String::from_utf8_lossy(&run(&["x509", "-noout", "-text", "-in", "v1.crt"])).to_string();
    assert!(text.contains("Version: 1 (0x0)"), "not v1:\n{text}");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("read PEM");
    (read("v1.crt"), read("v1.key"))
}

/// An ExecCredential as a plugin prints it.
fn credential(
    version: &str,
    token: Option<&str>,
    identity: Option<&(String, String)>,
    expires: Option<&str>,
) -> String {
    let mut status = serde_json::Map::new();
    if let Some(t) = token {
        status.insert("token".into(), t.into());
    }
    if let Some((cert, key)) = identity {
        status.insert("clientCertificateData".into(), cert.clone().into());
        status.insert("clientKeyData".into(), key.clone().into());
    }
    if let Some(e) = expires {
        status.insert("expirationTimestamp".into(), e.into());
    }
    serde_json::json!({"apiVersion": version, "kind": "ExecCredential", "status": status})
        .to_string()
}

/// A plugin script in `dir` that counts its runs (`dir/count`), records its arguments, its
/// `KUBERNETES_EXEC_INFO` and `$PLUGIN_GREETING`, and prints `dir/cred-<run>.json` if there is
/// one, else `dir/cred.json`.
fn plugin(dir: &Path) -> PathBuf {
    let path = dir.join("plugin.sh");
    write(
        &path,
        "#!/bin/sh\n\
         dir=\"$(dirname \"$0\")\"\n\
         n=$(cat \"$dir/count\" 2>/dev/null || echo 0); n=$((n + 1)); echo \"$n\" > \"$dir/count\"\n\
         printf '%s\\n' \"$@\" > \"$dir/args\"\n\
         printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$dir/exec-info\"\n\
         printf '%s' \"$PLUGIN_GREETING\" > \"$dir/env\"\n\
         if [ -f \"$dir/cred-$n.json\" ]; then cat \"$dir/cred-$n.json\"; else cat \"$dir/cred.json\"; fi\n",
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

fn runs(dir: &Path) -> u64 {
    std::fs::read_to_string(dir.join("count"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// The exec entry of a user (indented by 4) running `./plugin.sh` (relative to the kubeconfig).
fn exec_user(version: &str, interactive_mode: Option<&str>, extra: &str) -> String {
    format!(
        "    exec:\n      apiVersion: {version}\n      command: ./plugin.sh\n{}{extra}",
        interactive_mode
            .map(|m| format!("      interactiveMode: {m}\n"))
            .unwrap_or_default()
    )
}

// ---- certificates from the plugin ------------------------------------------------------------

/// The regression: a plugin that prints a client certificate (not a token). Also what the
/// plugin gets: its args, its env, and KUBERNETES_EXEC_INFO with the cluster
/// (provideClusterInfo) and `interactive: false` (no terminal here).
#[tokio::test]
async fn plugin_printing_a_client_certificate_connects_v1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = v3_identity("exec-cert-v1");
    write(
        &dir.path().join("cred.json"),
        &credential(V1, None, Some(&identity), Some(FUTURE)),
    );
    plugin(dir.path());
    let extra = "      args: [get-credential, --cluster, envtest]\n      env:\n      - name: PLUGIN_GREETING\n        value: hello\n      provideClusterInfo: true\n";
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("Never"), extra));
    let conn = client::connect(&args(&path), None)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(whoami(&conn).await.expect("whoami"), "exec-cert-v1");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("args")).expect("args"),
        "get-credential\n--cluster\nenvtest\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("env")).expect("env"),
        "hello"
    );
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("exec-info")).expect("exec-info"),
    )
    .expect("KUBERNETES_EXEC_INFO is JSON");
    assert_eq!(info["apiVersion"], V1);
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(
        info["spec"]["cluster"]["server"],
        ControlPlane::shared().server_url()
    );
    assert!(
        info["spec"]["cluster"]["certificate-authority-data"].is_string(),
        "{info}"
    );
    // Cached until expirationTimestamp: the probe and the review used one run.
    assert_eq!(runs(dir.path()), 1);
    assert_eq!(conn.credentials.as_ref().map(|c| c.fetches()), Some(1));
}

/// v1beta1 (interactiveMode may be left out), and an X.509 v1 certificate from the plugin.
#[tokio::test]
async fn plugin_printing_an_x509_v1_certificate_connects_v1beta1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = v1_identity(dir.path(), "exec-cert-x509v1");
    write(
        &dir.path().join("cred.json"),
        &credential(V1BETA1, None, Some(&identity), None),
    );
    plugin(dir.path());
    let path = kubeconfig(dir.path(), &exec_user(V1BETA1, None, ""));
    let conn = client::connect(&args(&path), None)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    assert_eq!(whoami(&conn).await.expect("whoami"), "exec-cert-x509v1");
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("exec-info")).expect("exec-info"),
    )
    .expect("JSON");
    assert_eq!(info["apiVersion"], V1BETA1);
    assert!(info["spec"].get("cluster").is_none(), "{info}");
}

/// An expired certificate credential: the plugin runs again and the new certificate is used,
/// on a new connection (a client certificate goes into the TLS handshake only).
#[tokio::test]
async fn an_expired_certificate_is_fetched_again_and_a_new_connection_presents_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = v3_identity("exec-rotate-first");
    let second = v3_identity("exec-rotate-second");
    write(
        &dir.path().join("cred-1.json"),
        &credential(V1, None, Some(&first), Some(PAST)),
    );
    write(
        &dir.path().join("cred.json"),
        &credential(V1, None, Some(&second), Some(FUTURE)),
    );
    plugin(dir.path());
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("Never"), ""));
    let conn = build(&path, &BuildOptions::default()).expect("build");
    // The first answer is used for the request it was fetched for, even though it expired
    // already (client-go does the same).
    assert_eq!(whoami(&conn).await.expect("first"), "exec-rotate-first");
    assert_eq!(whoami(&conn).await.expect("second"), "exec-rotate-second");
    assert_eq!(whoami(&conn).await.expect("third"), "exec-rotate-second");
    assert_eq!(runs(dir.path()), 2);
    assert_eq!(conn.trace.dials(), 2, "{}", conn.trace.describe());
}

// ---- tokens from the plugin -----------------------------------------------------------------

#[tokio::test]
async fn plugin_printing_a_token_is_run_once_until_it_expires() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("exec-token-cached");
    write(
        &dir.path().join("cred.json"),
        &credential(V1, Some(&token), None, Some(FUTURE)),
    );
    plugin(dir.path());
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("IfAvailable"), ""));
    let conn = client::connect(&args(&path), None)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    for _ in 0..3 {
        assert_eq!(
            whoami(&conn).await.expect("whoami"),
            "system:serviceaccount:default:exec-token-cached"
        );
    }
    assert_eq!(runs(dir.path()), 1);
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_before_the_next_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("exec-token-expired");
    write(
        &dir.path().join("cred.json"),
        &credential(V1, Some(&token), None, Some(PAST)),
    );
    plugin(dir.path());
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("Never"), ""));
    let conn = build(&path, &BuildOptions::default()).expect("build");
    for _ in 0..3 {
        assert_eq!(
            whoami(&conn).await.expect("whoami"),
            "system:serviceaccount:default:exec-token-expired"
        );
    }
    assert_eq!(runs(dir.path()), 3);
}

/// A token the server refuses (401): that request fails, the next one runs the plugin again.
#[tokio::test]
async fn a_rejected_token_is_fetched_again_after_the_401() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("exec-token-401");
    write(
        &dir.path().join("cred-1.json"),
        &credential(V1, Some("not-a-valid-token"), None, None),
    );
    write(
        &dir.path().join("cred.json"),
        &credential(V1, Some(&token), None, None),
    );
    plugin(dir.path());
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("Never"), ""));
    let conn = build(&path, &BuildOptions::default()).expect("build");
    let err = whoami(&conn).await.expect_err("the first token is refused");
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 401),
        "{err:?}"
    );
    assert_eq!(
        whoami(&conn).await.expect("the second token works"),
        "system:serviceaccount:default:exec-token-401"
    );
    assert_eq!(runs(dir.path()), 2);
}

// ---- plugins that fail ---------------------------------------------------------------------

/// The error of `connect` with `user_yaml`, checked to be one line naming the user.
async fn failure(dir: &Path, user_yaml: &str) -> String {
    let path = kubeconfig(dir, user_yaml);
    let err = match client::connect(&args(&path), None).await {
        Ok(_) => panic!("connected"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(
        text.contains("credentials of kubeconfig user \"tester\""),
        "{text}"
    );
    assert!(matches!(err, ClusterError::Credentials { .. }), "{err:?}");
    text
}

fn script(dir: &Path, body: &str) {
    let path = dir.join("plugin.sh");
    write(&path, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[tokio::test]
async fn a_missing_plugin_names_user_command_and_install_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let user = format!(
        "    exec:\n      apiVersion: {V1}\n      command: podwiz-test-no-such-plugin\n      interactiveMode: Never\n      installHint: |\n        Install it with\n        apt install nothing\n"
    );
    let text = failure(dir.path(), &user).await;
    assert_eq!(
        text,
        "credentials of kubeconfig user \"tester\": exec plugin \"podwiz-test-no-such-plugin\" not found (Install it with apt install nothing)"
    );
}

#[tokio::test]
async fn a_failing_plugin_says_its_exit_code_and_last_error_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(
        dir.path(),
        "echo 'contacting the identity provider' >&2\necho 'error: refresh token expired, log in again' >&2\nexit 3",
    );
    let text = failure(
        dir.path(),
        &exec_user(V1, Some("Never"), "      args: [token]\n"),
    )
    .await;
    let cmd = dir.path().join("plugin.sh");
    assert_eq!(
        text,
        format!(
            "credentials of kubeconfig user \"tester\": exec plugin \"{} token\" failed (exit code 3): error: refresh token expired, log in again",
            cmd.display()
        )
    );
}

#[tokio::test]
async fn a_plugin_printing_garbage_or_too_much_or_the_wrong_version_is_refused() {
    let cases = [
        (
            "echo 'Welcome! here is your token: abc'",
            "printed something that is not an ExecCredential",
        ),
        ("true", "printed nothing"),
        (
            "head -c 2000000 /dev/zero | tr '\\0' 'x'",
            "printed more than 1024 KiB",
        ),
        (
            &format!("echo '{}'", credential(V1BETA1, Some("t"), None, None)),
            "answered in apiVersion \"client.authentication.k8s.io/v1beta1\", but the kubeconfig asks for client.authentication.k8s.io/v1",
        ),
        (
            &format!("echo '{}'", credential(V1, None, None, None)),
            "returned neither status.token nor status.clientCertificateData",
        ),
        (
            "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"-----BEGIN CERTIFICATE-----\\nnope\\n-----END CERTIFICATE-----\\n\",\"clientKeyData\":\"x\"}}'",
            "returned a status.clientCertificateData that cannot be used",
        ),
    ];
    for (body, want) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        script(dir.path(), body);
        let text = failure(dir.path(), &exec_user(V1, Some("Never"), "")).await;
        assert!(text.contains(want), "{body}: {text}");
        assert!(text.contains("plugin.sh"), "names the command: {text}");
    }
}

#[tokio::test]
async fn a_hung_plugin_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    script(dir.path(), "sleep 30");
    let options = BuildOptions {
        exec_timeout: Duration::from_secs(1),
        ..BuildOptions::default()
    };
    let path = kubeconfig(dir.path(), &exec_user(V1, Some("Never"), ""));
    let conn = build(&path, &options).expect("build");
    let started = Instant::now();
    let err = whoami(&conn).await.expect_err("the plugin hangs");
    let elapsed = started.elapsed();
    let text = ClusterError::from_kube(err, "create", "selfsubjectreviews", None).to_string();
    assert!(
        text.contains("did not finish within 1 s") && text.contains("user \"tester\""),
        "{text}"
    );
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}

#[test]
fn exec_entries_kubectl_refuses_are_load_errors_naming_file_user_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            exec_user(V1, None, ""),
            "user \"tester\": exec.interactiveMode: missing",
        ),
        (
            exec_user("client.authentication.k8s.io/v1alpha1", Some("Never"), ""),
            "user \"tester\": exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported",
        ),
        (
            exec_user(V1, Some("Never"), "      env:\n      - name: ONLY_A_NAME\n"),
            "user \"tester\": exec.env: entry 1 needs a name and a value",
        ),
    ];
    for (user, want) in cases {
        let path = kubeconfig(dir.path(), &user);
        let err = context::load(&args(&path), None).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains(want),
            "{text}"
        );
    }
}

// ---- tokenFile -----------------------------------------------------------------------------

/// A rotated token file is read again (client-go: every minute; here every 200 ms), and a file
/// that disappears later leaves the last token in use.
#[tokio::test]
async fn a_rotated_token_file_is_read_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = ControlPlane::shared().service_account_token("token-file-first");
    let second = ControlPlane::shared().service_account_token("token-file-second");
    let file = dir.path().join("token");
    write(&file, &format!("{first}\n"));
    let path = kubeconfig(dir.path(), "    tokenFile: token\n");
    let period = Duration::from_millis(200);
    let conn = build(
        &path,
        &BuildOptions {
            token_file_period: period,
            ..BuildOptions::default()
        },
    )
    .expect("build");
    assert_eq!(
        whoami(&conn).await.expect("first"),
        "system:serviceaccount:default:token-file-first"
    );
    // Rotated as the kubelet does: a new file moved into place.
    write(&dir.path().join("token.new"), &format!("{second}\n"));
    std::fs::rename(dir.path().join("token.new"), &file).expect("rotate");
    tokio::time::sleep(period * 2).await;
    assert_eq!(
        whoami(&conn).await.expect("second"),
        "system:serviceaccount:default:token-file-second"
    );
    std::fs::remove_file(&file).expect("remove");
    tokio::time::sleep(period * 2).await;
    assert_eq!(
        whoami(&conn).await.expect("after removal"),
        "system:serviceaccount:default:token-file-second"
    );
    assert!(
        conn.credentials.as_ref().is_some_and(|c| c.fetches() >= 3),
        "read again each period"
    );
}

/// Within the period the file is not read again.
#[tokio::test]
async fn a_token_file_is_not_read_for_every_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = ControlPlane::shared().service_account_token("token-file-cached");
    write(&dir.path().join("token"), &token);
    let path = kubeconfig(dir.path(), "    tokenFile: token\n");
    let conn = build(&path, &BuildOptions::default()).expect("build");
    for _ in 0..3 {
        assert_eq!(
            whoami(&conn).await.expect("whoami"),
            "system:serviceaccount:default:token-file-cached"
        );
    }
    assert_eq!(conn.credentials.as_ref().map(|c| c.fetches()), Some(1));
}

#[test]
fn an_oversized_token_file_is_a_load_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("token"), &"x".repeat(100 * 1024));
    let path = kubeconfig(dir.path(), "    tokenFile: token\n");
    let text = context::load(&args(&path), None)
        .expect_err("too large")
        .to_string();
    assert!(
        text.contains("user \"tester\": tokenFile:") && text.contains("is larger than 64 KiB"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}

/// `interactiveMode: Always` without a terminal to prompt on (the wizard forbids prompting;
/// here stdin may be anything, so the wizard's switch is used): one line, the plugin not run.
#[tokio::test]
async fn an_always_interactive_plugin_without_a_terminal_is_refused() {
    podwiz::cluster::credentials::forbid_interactive();
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("cred.json"),
        &credential(V1, Some("t"), None, None),
    );
    plugin(dir.path());
    let text = failure(dir.path(), &exec_user(V1, Some("Always"), "")).await;
    assert!(
        text.contains("interactiveMode is Always, but there is no terminal")
            && text.contains("plugin.sh"),
        "{text}"
    );
    assert_eq!(runs(dir.path()), 0, "the plugin did not run");
}
