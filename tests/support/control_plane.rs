//! A real Kubernetes control plane (etcd + kube-apiserver, no scheduler/kubelet) for
//! integration tests, started the controller-runtime "envtest" way.
//!
//! * One control plane per test binary, started lazily by [`ControlPlane::shared`].
//! * Binaries come from `$PODWIZ_TEST_BIN_DIR`, else from
//!   `${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}/current/bin`, which
//!   `bash scripts/build-control-plane.sh` builds. Missing binaries are a panic, never a skip.
//! * Users are client certificates signed by a test CA: `admin` (group `system:masters`,
//!   bypasses RBAC) and `alice` (no groups, no RBAC bindings: everything is 403).
//! * The children are spawned from a dedicated, never-ending thread with
//!   `PR_SET_PDEATHSIG=SIGKILL`, so they die with the test process whatever happens
//!   (statics are never dropped; a test thread ending would trigger PDEATHSIG too early).
//!   A normal exit also kills them and removes the run directory via `atexit`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Time allowed for `/readyz` to answer `ok`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Name of the cluster in the generated kubeconfigs; contexts are `<user>@envtest`.
pub const CLUSTER_NAME: &str = "envtest";
/// The unprivileged user of [`user_kubeconfig_path`] / [`user_client`].
pub const USER_NAME: &str = "alice";
const BUILD_HINT: &str = "bash scripts/build-control-plane.sh";

/// Opt-in kube-apiserver settings; [`ControlPlane::shared`] uses the defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct ControlPlaneOptions {
    /// Serve a kubelet (tests/support/node.rs): a client certificate for the apiserver's calls to
    /// the kubelet (exec, logs), kubelet addresses by `Hostname` (the node's hostname resolves to
    /// loopback; its InternalIP must not be used), and no `TaintNodesByCondition` admission (no
    /// kube-controller-manager would ever lift its `not-ready` taint).
    pub for_kubelet: bool,
}

/// A running etcd + kube-apiserver pair.
pub struct ControlPlane {
    run_dir: PathBuf,
    bin_dir: PathBuf,
    server_url: String,
    etcd_url: String,
    admin_kubeconfig: PathBuf,
    user_kubeconfig: PathBuf,
    ca_cert_pem: String,
    ca_key_pem: String,
    children: Mutex<Vec<Child>>,
}

impl ControlPlane {
    /// The control plane of this test binary, started on first use (blocks until `/readyz`).
    /// Panics with the reason (missing binaries, start-up failure with log tails).
    pub fn shared() -> &'static ControlPlane {
        static SHARED: OnceLock<Result<ControlPlane, String>> = OnceLock::new();
        match SHARED.get_or_init(|| ControlPlane::start_with(ControlPlaneOptions::default())) {
            Ok(cp) => cp,
            Err(msg) => panic!("{msg}"),
        }
    }

    /// `https://127.0.0.1:<port>`
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// `http://127.0.0.1:<port>` of the etcd client endpoint.
    pub fn etcd_url(&self) -> &str {
        &self.etcd_url
    }

    /// Kubeconfig of `admin` (group `system:masters`), context `admin@envtest`.
    pub fn admin_kubeconfig_path(&self) -> &Path {
        &self.admin_kubeconfig
    }

    /// Kubeconfig of the unprivileged `alice`, context `alice@envtest`.
    pub fn user_kubeconfig_path(&self) -> &Path {
        &self.user_kubeconfig
    }

    /// Directory of this run (certs, kubeconfigs, etcd data, logs).
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// PEM of the CA that signed the serving and client certificates.
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    /// PEM of the CA's private key (PKCS#8, ECDSA P-256), to sign more client certificates.
    pub fn ca_key_pem(&self) -> &str {
        &self.ca_key_pem
    }

    /// `kubectl --kubeconfig <admin kubeconfig>`; add arguments and run.
    pub fn kubectl_admin(&self) -> Command {
        let mut cmd = Command::new(self.bin_dir.join("kubectl"));
        cmd.arg("--kubeconfig").arg(&self.admin_kubeconfig);
        cmd
    }

    /// A ServiceAccount token of `default/<name>` (the TokenRequest API, via kubectl; valid
    /// 1 h). The ServiceAccount is created if missing.
    pub fn service_account_token(&self, name: &str) -> String {
        let out = self
            .kubectl_admin()
            .args(["create", "serviceaccount", name, "-n", "default"])
            .output()
            .expect("kubectl create serviceaccount");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || stderr.contains("already exists"),
            "{stderr}"
        );
        let out = self
            .kubectl_admin()
            .args(["create", "token", name, "-n", "default", "--duration=1h"])
            .output()
            .expect("kubectl create token");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes (once per name) a kubeconfig for a client certificate with CN `user` and
    /// O = `groups`, signed by the test CA. Context `<user>@envtest`, namespace `default`.
    pub fn kubeconfig_for(&self, user: &str, groups: &[&str]) -> PathBuf {
        let id = std::iter::once(user)
            .chain(groups.iter().copied())
            .collect::<Vec<_>>()
            .join("-");
        let path = self
            .run_dir
            .join(format!("{}.kubeconfig", sanitize_label(&id)));
        if !path.exists() {
            let ca_key = KeyPair::from_pem(&self.ca_key_pem)
                .unwrap_or_else(|e| panic!("control plane: parse CA key: {e}"));
            let issuer = Issuer::new(ca_params(), ca_key);
            let (cert, key) = client_cert(user, groups, &issuer)
                .unwrap_or_else(|e| panic!("control plane: client certificate for {user}: {e}"));
            write_private(
                &path,
                &kubeconfig_yaml(&self.server_url, &self.ca_cert_pem, user, &cert, &key),
            )
            .unwrap_or_else(|e| panic!("control plane: write {}: {e}", path.display()));
        }
        path
    }

    /// Last `lines` lines of the kube-apiserver log.
    pub fn apiserver_log_tail(&self, lines: usize) -> String {
        tail(&self.run_dir.join("kube-apiserver.log"), lines)
    }

    /// Last `lines` lines of the etcd log.
    pub fn etcd_log_tail(&self, lines: usize) -> String {
        tail(&self.run_dir.join("etcd.log"), lines)
    }

    /// A control plane of its own (not the shared one), started with `options` and stopped at
    /// exit like the shared one. Errors carry the reason and log tails.
    pub fn start_with(options: ControlPlaneOptions) -> Result<ControlPlane, String> {
        let bin_dir = bin_dir();
        let base = runs_base_dir();
        remove_stale_runs(&base);
        let mut last_err = String::new();
        // A free port can be taken between probing and binding: retry with fresh ports.
        for attempt in 1..=3 {
            let run_dir = base.join(format!(
                "{}-{}-{attempt}",
                std::process::id(),
                unique_suffix()
            ));
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&run_dir)
                .map_err(|e| format!("control plane: create {}: {e}", run_dir.display()))?;
            match Self::start_in(&bin_dir, run_dir.clone(), options) {
                Ok(cp) => return Ok(cp),
                Err(StartError::Fatal(msg)) => return Err(msg),
                Err(StartError::Retry(msg)) => {
                    last_err = msg;
                    let _ = fs::remove_dir_all(&run_dir);
                }
            }
        }
        Err(last_err)
    }

    fn start_in(
        bin_dir: &Path,
        run_dir: PathBuf,
        options: ControlPlaneOptions,
    ) -> Result<ControlPlane, StartError> {
        let fatal = |what: &str, e: &dyn std::fmt::Display| {
            StartError::Fatal(format!("control plane: {what}: {e}"))
        };
        let [etcd_port, etcd_peer_port, api_port] = free_ports();
        let server_url = format!("https://127.0.0.1:{api_port}");
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");

        // --- PKI -------------------------------------------------------------------------
        let pki = Pki::generate().map_err(|e| fatal("generate certificates", &e))?;
        let cert_dir = run_dir.join("certs");
        fs::create_dir_all(&cert_dir).map_err(|e| fatal("create cert dir", &e))?;
        let files: [(&str, &str); 6] = [
            ("ca.crt", &pki.ca_cert),
            ("ca.key", &pki.ca_key),
            // kube-apiserver uses these names in --cert-dir instead of self-signing.
            ("apiserver.crt", &pki.serving_cert),
            ("apiserver.key", &pki.serving_key),
            ("sa.key", &pki.sa_key),
            ("sa.pub", &pki.sa_pub),
        ];
        for (name, pem) in files {
            write_private(&cert_dir.join(name), pem)
                .map_err(|e| fatal(&format!("write {name}"), &e))?;
        }
        let admin_kubeconfig = run_dir.join("admin.kubeconfig");
        let user_kubeconfig = run_dir.join(format!("{USER_NAME}.kubeconfig"));
        write_private(
            &admin_kubeconfig,
            &kubeconfig_yaml(
                &server_url,
                &pki.ca_cert,
                "admin",
                &pki.admin.0,
                &pki.admin.1,
            ),
        )
        .map_err(|e| fatal("write admin kubeconfig", &e))?;
        write_private(
            &user_kubeconfig,
            &kubeconfig_yaml(
                &server_url,
                &pki.ca_cert,
                USER_NAME,
                &pki.user.0,
                &pki.user.1,
            ),
        )
        .map_err(|e| fatal("write user kubeconfig", &e))?;

        // --- etcd ------------------------------------------------------------------------
        let mut etcd = Command::new(bin_dir.join("etcd"));
        etcd.arg(format!("--data-dir={}", run_dir.join("etcd").display()))
            .arg(format!("--listen-client-urls={etcd_url}"))
            .arg(format!("--advertise-client-urls={etcd_url}"))
            .arg(format!(
                "--listen-peer-urls=http://127.0.0.1:{etcd_peer_port}"
            ))
            .arg(format!(
                "--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer_port}"
            ))
            .arg(format!(
                "--initial-cluster=default=http://127.0.0.1:{etcd_peer_port}"
            ))
            .arg("--unsafe-no-fsync=true")
            .arg("--log-level=warn");
        let etcd =
            spawn_logged(etcd, &run_dir.join("etcd.log")).map_err(|e| fatal("spawn etcd", &e))?;
        let mut children = vec![etcd];

        // --- kube-apiserver --------------------------------------------------------------
        let mut api = Command::new(bin_dir.join("kube-apiserver"));
        api.arg(format!("--etcd-servers={etcd_url}"))
            .arg(format!("--cert-dir={}", cert_dir.display()))
            .arg(format!("--secure-port={api_port}"))
            .arg("--bind-address=127.0.0.1")
            // Hermetic (no default route needed); a loopback advertise address is only
            // accepted without the endpoint reconciler (fine: no one uses the `kubernetes` Service).
            .arg("--advertise-address=127.0.0.1")
            .arg("--endpoint-reconciler-type=none")
            .arg("--service-cluster-ip-range=10.0.0.0/24")
            .arg("--allow-privileged=true")
            .arg(if options.for_kubelet {
                "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition"
            } else {
                "--disable-admission-plugins=ServiceAccount"
            })
            .arg("--authorization-mode=RBAC")
            .arg(format!("--service-account-issuer={server_url}/"))
            .arg(format!(
                "--service-account-key-file={}",
                cert_dir.join("sa.pub").display()
            ))
            .arg(format!(
                "--service-account-signing-key-file={}",
                cert_dir.join("sa.key").display()
            ))
            .arg(format!(
                "--client-ca-file={}",
                cert_dir.join("ca.crt").display()
            ));
        if options.for_kubelet {
            for (name, pem) in [
                ("kubelet-client.crt", &pki.kubelet_client.0),
                ("kubelet-client.key", &pki.kubelet_client.1),
            ] {
                write_private(&cert_dir.join(name), pem)
                    .map_err(|e| fatal(&format!("write {name}"), &e))?;
            }
            api.arg("--kubelet-preferred-address-types=Hostname")
                .arg(format!(
                    "--kubelet-client-certificate={}",
                    cert_dir.join("kubelet-client.crt").display()
                ))
                .arg(format!(
                    "--kubelet-client-key={}",
                    cert_dir.join("kubelet-client.key").display()
                ));
        }
        match spawn_logged(api, &run_dir.join("kube-apiserver.log")) {
            Ok(child) => children.push(child),
            Err(e) => {
                kill_all(&mut children);
                return Err(fatal("spawn kube-apiserver", &e));
            }
        }
        register_exit_cleanup(&run_dir, &children);

        let cp = ControlPlane {
            run_dir,
            bin_dir: bin_dir.to_path_buf(),
            server_url,
            etcd_url,
            admin_kubeconfig,
            user_kubeconfig,
            ca_cert_pem: pki.ca_cert,
            ca_key_pem: pki.ca_key,
            children: Mutex::new(children),
        };
        match cp.wait_ready() {
            Ok(()) => Ok(cp),
            Err(err) => {
                kill_all(&mut cp.children.lock().unwrap_or_else(|p| p.into_inner()));
                EXIT_CLEANUP
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .retain(|c| c.run_dir != cp.run_dir);
                Err(err)
            }
        }
    }

    fn wait_ready(&self) -> Result<(), StartError> {
        let started = Instant::now();
        loop {
            {
                let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
                for (name, child) in ["etcd", "kube-apiserver"].iter().zip(children.iter_mut()) {
                    if let Ok(Some(status)) = child.try_wait() {
                        let logs = self.logs_for_panic();
                        let msg = format!(
                            "control plane: {name} exited early ({status}) in {}\n{logs}",
                            self.run_dir.display()
                        );
                        return Err(if logs.contains("address already in use") {
                            StartError::Retry(msg)
                        } else {
                            StartError::Fatal(msg)
                        });
                    }
                }
            }
            let last = match self
                .kubectl_admin()
                .args(["get", "--raw", "/readyz", "--request-timeout=5s"])
                .output()
            {
                Ok(out)
                    if out.status.success()
                        && String::from_utf8_lossy(&out.stdout).trim() == "ok" =>
                {
                    return Ok(());
                }
                Ok(out) => format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(e) => {
                    return Err(StartError::Fatal(format!(
                        "control plane: run kubectl: {e}"
                    )));
                }
            };
            if started.elapsed() > READY_TIMEOUT {
                return Err(StartError::Fatal(format!(
                    "control plane: kube-apiserver at {} not ready after {}s (last /readyz: {})\n{}",
                    self.server_url,
                    READY_TIMEOUT.as_secs(),
                    last.trim(),
                    self.logs_for_panic()
                )));
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    fn logs_for_panic(&self) -> String {
        format!(
            "--- kube-apiserver log tail ({}) ---\n{}\n--- etcd log tail ({}) ---\n{}",
            self.run_dir.join("kube-apiserver.log").display(),
            self.apiserver_log_tail(40),
            self.run_dir.join("etcd.log").display(),
            self.etcd_log_tail(15)
        )
    }
}

enum StartError {
    Retry(String),
    Fatal(String),
}

// ---- free helpers (all start the shared control plane when they need it) -----------------

/// `https://127.0.0.1:<port>` of the shared control plane.
pub fn server_url() -> &'static str {
    ControlPlane::shared().server_url()
}

/// Admin (`system:masters`) kubeconfig of the shared control plane.
pub fn admin_kubeconfig_path() -> &'static Path {
    ControlPlane::shared().admin_kubeconfig_path()
}

/// Kubeconfig of the unprivileged user `alice` (no RBAC bindings).
pub fn user_kubeconfig_path() -> &'static Path {
    ControlPlane::shared().user_kubeconfig_path()
}

/// Path of the cached `kubectl` (does not start the control plane; panics if missing).
pub fn kubectl_path() -> PathBuf {
    bin_dir().join("kubectl")
}

/// Creates a uniquely named namespace `<prefix>-<suffix>` as admin and returns its name.
pub fn fresh_namespace(prefix: &str) -> String {
    fresh_namespace_with_labels(prefix, &[])
}

/// Like [`fresh_namespace`], with labels (e.g. `("pod-security.kubernetes.io/enforce", "baseline")`).
pub fn fresh_namespace_with_labels(prefix: &str, labels: &[(&str, &str)]) -> String {
    let cp = ControlPlane::shared();
    let suffix = unique_suffix();
    let mut prefix = sanitize_label(prefix);
    prefix.truncate(62 - suffix.len());
    let name = format!("{}-{suffix}", prefix.trim_end_matches('-'));
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name, "labels": labels },
    });
    let mut child = cp
        .kubectl_admin()
        .args(["create", "-f", "-", "-o", "name"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("fresh_namespace: run kubectl: {e}"));
    child
        .stdin
        .take()
        .expect("fresh_namespace: kubectl stdin")
        .write_all(manifest.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("fresh_namespace: write to kubectl: {e}"));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("fresh_namespace: wait for kubectl: {e}"));
    assert!(
        out.status.success(),
        "fresh_namespace: kubectl create namespace {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    name
}

/// A kube client acting as `admin` (`system:masters`), default namespace `default`.
pub async fn admin_client() -> kube::Client {
    client_from_kubeconfig(admin_kubeconfig_path()).await
}

/// A kube client acting as the unprivileged `alice`.
pub async fn user_client() -> kube::Client {
    client_from_kubeconfig(user_kubeconfig_path()).await
}

/// A kube client from any kubeconfig file (its current context).
pub async fn client_from_kubeconfig(path: &Path) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(path)
        .unwrap_or_else(|e| panic!("read kubeconfig {}: {e}", path.display()));
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("load kubeconfig {}: {e}", path.display()));
    kube::Client::try_from(config)
        .unwrap_or_else(|e| panic!("kube client from {}: {e}", path.display()))
}

/// `${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}`
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PODWIZ_TEST_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).unwrap_or_else(|| {
        panic!("neither PODWIZ_TEST_CACHE nor HOME is set: cannot find the test control plane (see {BUILD_HINT})")
    });
    PathBuf::from(home).join(".cache/podwiz-test")
}

/// The directory holding `bin/`, `versions` and `psa-dir`: parent of `$PODWIZ_TEST_BIN_DIR`
/// if set, else `<cache>/current`.
pub fn control_plane_dir() -> PathBuf {
    match std::env::var_os("PODWIZ_TEST_BIN_DIR").filter(|d| !d.is_empty()) {
        Some(bin) => PathBuf::from(bin).join(".."),
        None => cache_dir().join("current"),
    }
}

/// Directory with `kube-apiserver`, `kubectl`, `etcd`. Panics, naming what is missing and
/// how to build it, if any of them is absent.
pub fn bin_dir() -> PathBuf {
    let (dir, origin) = match std::env::var_os("PODWIZ_TEST_BIN_DIR").filter(|d| !d.is_empty()) {
        Some(bin) => (PathBuf::from(bin), "$PODWIZ_TEST_BIN_DIR"),
        None => (cache_dir().join("current/bin"), "<cache>/current/bin"),
    };
    let missing: Vec<String> = ["kube-apiserver", "kubectl", "etcd"]
        .iter()
        .map(|b| dir.join(b))
        .filter(|p| !is_executable(p))
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        panic!(
            "test control plane binaries missing ({origin} = {}): {}\n\
             Build them (needs Go, takes a few minutes once, cached outside the clone) with:\n    \
             {BUILD_HINT}\n(from {}), or point PODWIZ_TEST_BIN_DIR at a directory holding kube-apiserver, kubectl and etcd.",
            dir.display(),
            missing.join(", "),
            env!("CARGO_MANIFEST_DIR"),
        );
    }
    dir
}

/// Kubernetes version the cached binaries were built at (`kubernetes=` in `<cp dir>/versions`),
/// e.g. `v1.37.2`.
pub fn kubernetes_version() -> String {
    version_of("kubernetes")
}

/// etcd version of the cached binaries, e.g. `v3.6.16`.
pub fn etcd_version() -> String {
    version_of("etcd")
}

/// Directory of the Go module `k8s.io/pod-security-admission` at the matching v0.X.Y
/// (upstream fixtures are in `<dir>/test/testdata`).
pub fn psa_module_dir() -> PathBuf {
    let file = control_plane_dir().join("psa-dir");
    let dir = fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("read {}: {e}; run `{BUILD_HINT}`", file.display()));
    let dir = PathBuf::from(dir.trim());
    assert!(
        dir.is_dir(),
        "{} (from {}) is not a directory; run `{BUILD_HINT}`",
        dir.display(),
        file.display()
    );
    dir
}

// ---- internals ---------------------------------------------------------------------------

fn version_of(key: &str) -> String {
    let file = control_plane_dir().join("versions");
    let text = fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("read {}: {e}; run `{BUILD_HINT}`", file.display()));
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no `{key}=` line in {}", file.display()))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn runs_base_dir() -> PathBuf {
    std::env::temp_dir().join("podwiz-control-plane")
}

/// Removes run dirs `<pid>-...` of processes that no longer exist.
fn remove_stale_runs(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks for existence.
        let gone = unsafe { libc::kill(pid, 0) } == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mixed = (nanos as u64)
        ^ (u64::from(std::process::id()) << 32)
        ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!("{n}{:06x}", mixed & 0xff_ffff)
}

/// Lower-case DNS label characters only.
fn sanitize_label(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.starts_with('-') {
        out.remove(0);
    }
    if out.is_empty() {
        out.push_str("test");
    }
    out
}

/// Three distinct free loopback ports (all probed before any is released).
fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap_or_else(|e| panic!("control plane: bind a free port: {e}"))
        })
        .collect();
    let port = |l: &TcpListener| {
        l.local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("control plane: local_addr: {e}"))
    };
    [
        port(&listeners[0]),
        port(&listeners[1]),
        port(&listeners[2]),
    ]
}

fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    fs::write(path, contents)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

fn tail(path: &Path, lines: usize) -> String {
    match fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// A free loopback TCP port (probed, then released: bind it soon).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("bind a free loopback port: {e}"))
}

/// Spawns `cmd` from the keeper thread with stdout+stderr written to `log`; the child gets
/// SIGKILL when the test process dies.
pub fn spawn_logged(mut cmd: Command, log: &Path) -> io::Result<Child> {
    let out = File::create(log)?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: only async-signal-safe libc calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before prctl: then nobody would kill us.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    spawn_on_keeper_thread(cmd)
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// PR_SET_PDEATHSIG fires when the *thread* that forked exits, and libtest runs each test on
/// its own short-lived thread: fork from one thread that lives as long as the process.
fn spawn_on_keeper_thread(cmd: Command) -> io::Result<Child> {
    static KEEPER: OnceLock<mpsc::Sender<SpawnRequest>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new()
            .name("control-plane-keeper".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
                // The sender lives in a static, so this is never reached; park just in case.
                loop {
                    thread::park();
                }
            })
            .unwrap_or_else(|e| panic!("control plane: start keeper thread: {e}"));
        tx
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    keeper
        .send((cmd, reply_tx))
        .map_err(|_| io::Error::other("control plane keeper thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("control plane keeper thread did not answer"))?
}

fn kill_all(children: &mut Vec<Child>) {
    for child in children.iter_mut().rev() {
        let _ = child.kill();
        let _ = child.wait();
    }
    children.clear();
}

struct ExitCleanup {
    pids: Vec<libc::pid_t>,
    run_dir: PathBuf,
}

static EXIT_CLEANUP: Mutex<Vec<ExitCleanup>> = Mutex::new(Vec::new());

/// On a normal exit of the test binary (libtest returns or calls `exit`), kill the children
/// and remove the run dir. Abnormal ends are covered by PDEATHSIG and `remove_stale_runs`.
fn register_exit_cleanup(run_dir: &Path, children: &[Child]) {
    extern "C" fn cleanup() {
        let Ok(mut guard) = EXIT_CLEANUP.try_lock() else {
            return;
        };
        for c in guard.drain(..).rev() {
            for &pid in c.pids.iter().rev() {
                // SAFETY: pids of our own, not yet reaped children.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
            let _ = fs::remove_dir_all(&c.run_dir);
        }
    }
    static REGISTER: OnceLock<()> = OnceLock::new();
    EXIT_CLEANUP
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(ExitCleanup {
            pids: children.iter().map(|c| c.id() as libc::pid_t).collect(),
            run_dir: run_dir.to_path_buf(),
        });
    REGISTER.get_or_init(|| {
        // SAFETY: registering a plain extern "C" fn.
        unsafe { libc::atexit(cleanup) };
    });
}

// ---- PKI ---------------------------------------------------------------------------------

struct Pki {
    ca_cert: String,
    ca_key: String,
    serving_cert: String,
    serving_key: String,
    sa_key: String,
    sa_pub: String,
    admin: (String, String),
    user: (String, String),
    kubelet_client: (String, String),
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "podwiz-envtest-ca");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn client_cert(
    user: &str,
    groups: &[&str],
    issuer: &Issuer<'_, KeyPair>,
) -> Result<(String, String), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, user);
    for group in groups {
        params
            .distinguished_name
            .push(DnType::OrganizationName, *group);
    }
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

impl Pki {
    fn generate() -> Result<Pki, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca_params().self_signed(&ca_key)?.pem();
        let ca_key_pem = ca_key.serialize_pem();
        let issuer = Issuer::new(ca_params(), ca_key);

        let serving_key = KeyPair::generate()?;
        let mut serving = CertificateParams::new(vec![
            "127.0.0.1".to_string(),
            "localhost".to_string(),
            "10.0.0.1".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
        ])?;
        serving
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let serving_cert = serving.signed_by(&serving_key, &issuer)?.pem();

        let sa = KeyPair::generate()?;
        Ok(Pki {
            admin: client_cert("admin", &["system:masters"], &issuer)?,
            user: client_cert(USER_NAME, &[], &issuer)?,
            kubelet_client: client_cert(
                "kube-apiserver-kubelet-client",
                &["system:masters"],
                &issuer,
            )?,
            ca_cert,
            ca_key: ca_key_pem,
            serving_cert,
            serving_key: serving_key.serialize_pem(),
            sa_key: sa.serialize_pem(),
            sa_pub: sa.public_key_pem(),
        })
    }
}

fn kubeconfig_yaml(
    server: &str,
    ca_pem: &str,
    user: &str,
    cert_pem: &str,
    key_pem: &str,
) -> String {
    let mut y = String::new();
    let _ = write!(
        y,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CLUSTER_NAME}\n  cluster:\n    server: {server}\n    \
         certificate-authority-data: {ca}\ncontexts:\n- name: {user}@{CLUSTER_NAME}\n  context:\n    cluster: {CLUSTER_NAME}\n    \
         user: {user}\n    namespace: default\ncurrent-context: {user}@{CLUSTER_NAME}\nusers:\n- name: {user}\n  user:\n    \
         client-certificate-data: {cert}\n    client-key-data: {key}\npreferences: {{}}\n",
        ca = B64.encode(ca_pem),
        cert = B64.encode(cert_pem),
        key = B64.encode(key_pem),
    );
    y
}
