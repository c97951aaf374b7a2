//! A real single-node cluster for integration tests: kube-scheduler beside a control plane
//! (control_plane.rs, started with [`ControlPlaneOptions::for_kubelet`]), and a node of
//! kubelet + containerd + runc + CNI bridge + a FUSE device plugin, run by
//! scripts/node-supervisor.sh in a private mount namespace. Images come from a loopback crane
//! registry that containerd reaches as `quay.io` through a hosts.toml mirror, so podwiz's
//! manifests apply unchanged. Facts and fixes: /work/shared/knowledge/real-node.md.
//!
//! * [`Node::shared`]: one node per test binary, started on first use; `None` (with a loud
//!   message on stderr) when not root: the kubelet, containerd and the mount namespace need it.
//!   Missing binaries (`bash scripts/build-node.sh`) are a panic, never a skip.
//! * The supervisor watches the test process and tears everything down when it is gone; a
//!   normal exit stops it and waits (atexit). Leftovers of a killed supervisor are swept at the
//!   next start (`node-supervisor.sh sweep`).
//! * Traffic: the registry, API server, kubelet and containerd's stream server listen on
//!   127.0.0.1; pods sit on a bridge without address, gateway or NAT, so pod traffic stays in
//!   the pods' own network namespaces.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use super::control_plane::{ControlPlane, ControlPlaneOptions, cache_dir, free_port, spawn_logged};

const BUILD_HINT: &str = "bash scripts/build-node.sh";
/// Time allowed for the node to report Ready with its FUSE resources.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed for the supervisor's teardown.
const STOP_TIMEOUT: Duration = Duration::from_secs(90);
/// The sandbox (pause) image, pulled through the quay.io mirror like every other image.
pub const SANDBOX_IMAGE: &str = "quay.io/podwiz/pause:1";
/// Repository of the Podman test image (as podwiz's manifests name it).
pub const PODMAN_REPOSITORY: &str = "quay.io/podman/stable";
/// Extended resources the test device plugin advertises (64 devices each).
pub const FUSE_RESOURCES: [&str; 2] = ["squat.ai/fuse", "github.com/fuse"];
/// Host paths the kubelet and containerd use whatever their configuration says, or that
/// podwiz's manifests name as hostPath; each is a private bind in the node namespace.
pub const PRIVATE_PATHS: [&str; 7] = [
    "/var/lib/kubelet",
    "/var/log/pods",
    "/var/log/containers",
    "/run/containerd",
    "/var/lib/cni",
    "/run/podman",
    "/home/user",
];

/// A running node and its control plane.
pub struct Node {
    cp: ControlPlane,
    run_dir: PathBuf,
    node_dir: PathBuf,
    node_name: String,
    registry: String,
    supervisor: Mutex<Option<Child>>,
    supervisor_pid: u32,
    helpers: Mutex<Vec<Child>>,
    started_in: Duration,
}

impl Node {
    /// The node of this test binary, started on first use. `None` when not running as root
    /// (printed loudly: the caller's test then checks nothing). Panics with the reason and log
    /// tails when a start fails.
    pub fn shared() -> Option<&'static Node> {
        static SHARED: OnceLock<Result<Node, String>> = OnceLock::new();
        if !is_root() {
            skip_message();
            return None;
        }
        match SHARED.get_or_init(Node::start) {
            Ok(node) => {
                register_exit_stop(node);
                Some(node)
            }
            Err(msg) => panic!("{msg}"),
        }
    }

    /// A node of its own (for tests of start and teardown). Stop it with [`Node::stop`].
    pub fn start() -> Result<Node, String> {
        let started = Instant::now();
        let node_dir = node_dir();
        let base = runs_base_dir();
        sweep(&base)?;
        let cp = ControlPlane::start_with(ControlPlaneOptions { for_kubelet: true })?;
        let node_name = hostname()?;
        check_hostname_is_loopback(&node_name)?;

        let id = run_id();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o711)
            .create(&base)
            .map_err(|e| format!("node: create {}: {e}", base.display()))?;
        // Every ancestor of containerd's state dir needs o+x for user-namespaced pods.
        fs::set_permissions(&base, fs::Permissions::from_mode(0o711))
            .map_err(|e| format!("node: chmod {}: {e}", base.display()))?;
        let run_dir = base.join(&id);
        fs::DirBuilder::new()
            .mode(0o711)
            .create(&run_dir)
            .map_err(|e| format!("node: create {}: {e}", run_dir.display()))?;

        // --- registry with the images --------------------------------------------------
        let bin = node_dir.join("bin");
        let images = node_dir.join("images");
        let port = free_port();
        let registry = format!("127.0.0.1:{port}");
        // Blobs on disk, kept between runs: a later push only sends the (small) manifests.
        let blobs = images.join("registry-blobs");
        fs::create_dir_all(&blobs).map_err(|e| format!("node: create {}: {e}", blobs.display()))?;
        let mut helpers = Vec::new();
        let mut serve = Command::new(bin.join("crane"));
        serve
            .args(["registry", "serve", "--address", &registry, "--disk"])
            .arg(&blobs);
        helpers.push(
            spawn_logged(serve, &run_dir.join("registry.log"))
                .map_err(|e| format!("node: start crane registry: {e}"))?,
        );
        wait_for_port(port, Duration::from_secs(10))
            .map_err(|e| format!("node: crane registry on {registry}: {e}"))?;
        let podman_ref = format!("{registry}/podman/stable");
        crane(
            &bin,
            &["push", "--insecure"],
            &images.join("podman.tar"),
            &format!("{podman_ref}:latest"),
        )?;
        let tag = podwiz_default_tag()?;
        if tag != "latest" {
            run_ok(
                Command::new(bin.join("crane")).args([
                    "tag",
                    "--insecure",
                    &format!("{podman_ref}:latest"),
                    &tag,
                ]),
                "crane tag",
            )?;
        }
        crane(
            &bin,
            &["push", "--insecure"],
            &images.join("pause.tar"),
            &format!("{registry}/podwiz/pause:1"),
        )?;

        // --- kube-scheduler --------------------------------------------------------------
        let mut scheduler = Command::new(bin.join("kube-scheduler"));
        let admin = cp.admin_kubeconfig_path();
        scheduler
            .arg(format!("--kubeconfig={}", admin.display()))
            .arg(format!("--authentication-kubeconfig={}", admin.display()))
            .arg(format!("--authorization-kubeconfig={}", admin.display()))
            .arg("--leader-elect=false")
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--secure-port={}", free_port()));
        helpers.push(
            spawn_logged(scheduler, &run_dir.join("kube-scheduler.log"))
                .map_err(|e| format!("node: start kube-scheduler: {e}"))?,
        );

        // --- the node --------------------------------------------------------------------
        let kubelet_kubeconfig = cp.kubeconfig_for(
            &format!("system:node:{node_name}"),
            &["system:nodes", "system:masters"],
        );
        let short: String = format!("{:x}", fxhash(&id)).chars().take(8).collect();
        let env = [
            ("OWNER_PID", std::process::id().to_string()),
            ("NODE_BIN", bin.display().to_string()),
            ("CGROUP_ROOT", format!("/podwiz-node-{id}")),
            ("BRIDGE", format!("pwz{short}")),
            ("KUBECONFIG_FILE", kubelet_kubeconfig.display().to_string()),
            (
                "CA_FILE",
                cp.run_dir().join("certs/ca.crt").display().to_string(),
            ),
            ("KUBELET_PORT", free_port().to_string()),
            ("REGISTRY", registry.clone()),
            ("PRIVATE_PATHS", PRIVATE_PATHS.join(" ")),
            ("POD_SUBNET", "10.244.0.0/24".to_string()),
            ("SANDBOX_IMAGE", SANDBOX_IMAGE.to_string()),
        ];
        let env_text: String = env
            .iter()
            .map(|(k, v)| format!("{k}={}\n", shell_quote(v)))
            .collect();
        fs::write(run_dir.join("node.env"), env_text)
            .map_err(|e| format!("node: write node.env: {e}"))?;
        let log = fs::File::create(run_dir.join("supervisor.log"))
            .map_err(|e| format!("node: create supervisor.log: {e}"))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("node: supervisor.log: {e}"))?;
        // No PDEATHSIG: the supervisor outlives the test process just long enough to tear down.
        let supervisor = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--", "bash"])
            .arg(supervisor_script())
            .arg("run")
            .arg(&run_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("node: start the supervisor (unshare): {e}"))?;
        let supervisor_pid = supervisor.id();
        let node = Node {
            cp,
            run_dir,
            node_dir,
            node_name,
            registry,
            supervisor: Mutex::new(Some(supervisor)),
            supervisor_pid,
            helpers: Mutex::new(helpers),
            started_in: Duration::ZERO,
        };
        if let Err(e) = node.wait_ready() {
            let logs = node.logs_for_panic();
            let _ = node.stop();
            return Err(format!("{e}\n{logs}"));
        }
        Ok(Node {
            started_in: started.elapsed(),
            ..node
        })
    }

    /// Admin (`system:masters`) kubeconfig of the node's control plane.
    pub fn kubeconfig_path(&self) -> &Path {
        self.cp.admin_kubeconfig_path()
    }

    /// The control plane the node is registered with.
    pub fn control_plane(&self) -> &ControlPlane {
        &self.cp
    }

    /// The Node object's name (this machine's hostname, which resolves to loopback).
    pub fn name(&self) -> &str {
        &self.node_name
    }

    /// Wall time from [`Node::start`] to Ready with the FUSE resources advertised.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Run directory (configs, logs of containerd, kubelet, scheduler, registry, plugin).
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// `kubectl --kubeconfig <admin>`.
    pub fn kubectl(&self) -> Command {
        self.cp.kubectl_admin()
    }

    /// Runs `script` with `sh -c` in the node's mount namespace (where the kubelet's hostPath
    /// volumes and the private binds live), e.g. a host step podwiz prints.
    pub fn run_on_node(&self, script: &str) -> Output {
        Command::new("nsenter")
            .args([
                "-t",
                &self.supervisor_pid.to_string(),
                "-m",
                "--",
                "sh",
                "-c",
                script,
            ])
            .output()
            .unwrap_or_else(|e| panic!("node: nsenter: {e}"))
    }

    /// Versions of every part: kubernetes, containerd, runc, crane, go (the node build), and the
    /// Debian packages of the Podman image (podman, crun, ...).
    pub fn versions(&self) -> BTreeMap<String, String> {
        let mut all = BTreeMap::new();
        for file in [
            self.node_dir.join("versions"),
            self.node_dir.join("images/versions"),
        ] {
            let text = fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("read {}: {e}; run `{BUILD_HINT}`", file.display()));
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    all.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
        all
    }

    /// Last `lines` lines of one of the node's logs: `kubelet`, `containerd`, `kube-scheduler`,
    /// `registry`, `fuse-device-plugin`, `supervisor`.
    pub fn log_tail(&self, which: &str, lines: usize) -> String {
        let path = self.run_dir.join(format!("{which}.log"));
        match fs::read_to_string(&path) {
            Ok(text) => {
                let all: Vec<&str> = text.lines().collect();
                all[all.len().saturating_sub(lines)..].join("\n")
            }
            Err(e) => format!("(cannot read {}: {e})", path.display()),
        }
    }

    /// Stops the node (supervisor teardown: processes, bridge, mounts, mountpoints, cgroups)
    /// and the scheduler and registry, then removes the run dir. The control plane stays up
    /// until exit. Errors name what was left.
    pub fn stop(&self) -> Result<(), String> {
        let mut slot = self.supervisor.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = slot.take() {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let deadline = Instant::now() + STOP_TIMEOUT;
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(100))
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(format!(
                            "node: supervisor did not finish its teardown in {}s\n{}",
                            STOP_TIMEOUT.as_secs(),
                            self.log_tail("supervisor", 20)
                        ));
                    }
                }
            }
        }
        for helper in self
            .helpers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter_mut()
        {
            let _ = helper.kill();
            let _ = helper.wait();
        }
        let state = fs::read_to_string(self.run_dir.join("supervisor.state")).unwrap_or_default();
        if state.trim() != "down" {
            return Err(format!(
                "node: teardown incomplete (state '{}')\n{}",
                state.trim(),
                self.log_tail("supervisor", 30)
            ));
        }
        // Keep the logs of a failed run for a look; a clean one leaves nothing.
        fs::remove_dir_all(&self.run_dir)
            .map_err(|e| format!("node: remove {}: {e}", self.run_dir.display()))
    }

    fn wait_ready(&self) -> Result<(), String> {
        let started = Instant::now();
        let jsonpath = format!(
            "{{.status.conditions[?(@.type==\"Ready\")].status}} {}",
            FUSE_RESOURCES
                .iter()
                .map(|r| format!("{{.status.allocatable.{}}}", r.replace('.', "\\.")))
                .collect::<Vec<_>>()
                .join(" ")
        );
        loop {
            if let Some(status) = self
                .supervisor
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return Err(format!(
                    "node: supervisor exited early ({status}): {}",
                    fs::read_to_string(self.run_dir.join("stop-reason"))
                        .unwrap_or_default()
                        .trim()
                ));
            }
            let out = self
                .kubectl()
                .args(["get", "node", &self.node_name, "-o"])
                .arg(format!("jsonpath={jsonpath}"))
                .output()
                .map_err(|e| format!("node: run kubectl: {e}"))?;
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let words: Vec<&str> = text.split_whitespace().collect();
            if out.status.success()
                && words.first() == Some(&"True")
                && words.len() == 1 + FUSE_RESOURCES.len()
                && words[1..].iter().all(|n| *n != "0")
            {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "node: {} not Ready with FUSE resources after {}s (last: '{}' {})",
                    self.node_name,
                    READY_TIMEOUT.as_secs(),
                    text.trim(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    fn logs_for_panic(&self) -> String {
        [
            "supervisor",
            "containerd",
            "kubelet",
            "fuse-device-plugin",
            "kube-scheduler",
        ]
        .iter()
        .map(|w| {
            format!(
                "--- {w} ({}) ---\n{}",
                self.run_dir.join(format!("{w}.log")).display(),
                self.log_tail(w, 25)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
    }
}

// ---- free helpers ------------------------------------------------------------------------

/// True when the tests run as root (the node needs it).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn skip_message() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! NODE TESTS SKIPPED: not root. The test node (kubelet, containerd, a private   !!\n\
             !! mount namespace) needs root; these tests checked NOTHING. Run as root (CI).  !!\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    });
}

/// `<cache>/node-current`, or the parent of `$PODWIZ_TEST_NODE_BIN_DIR`. Panics naming the
/// build command when a binary or image is missing.
pub fn node_dir() -> PathBuf {
    let dir = match std::env::var_os("PODWIZ_TEST_NODE_BIN_DIR").filter(|d| !d.is_empty()) {
        Some(bin) => PathBuf::from(bin).join(".."),
        None => cache_dir().join("node-current"),
    };
    let needed = [
        "bin/kubelet",
        "bin/kube-scheduler",
        "bin/containerd",
        "bin/containerd-shim-runc-v2",
        "bin/runc",
        "bin/crane",
        "bin/fuse-device-plugin",
        "images/podman.tar",
        "images/pause.tar",
        "versions",
        "images/versions",
    ];
    let missing: Vec<String> = needed
        .iter()
        .map(|p| dir.join(p))
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        panic!(
            "test node parts missing: {}\nBuild them (needs Go, apt packages; cached outside the clone) with:\n    {BUILD_HINT}\n(from {})",
            missing.join(", "),
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

/// Where run dirs live: `/tmp/podwiz-node/<pid>-<n>` (its ancestors must be o+x).
pub fn runs_base_dir() -> PathBuf {
    PathBuf::from("/tmp/podwiz-node")
}

fn supervisor_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/node-supervisor.sh")
}

/// Cleans up runs whose test process is gone (see node-supervisor.sh sweep).
pub fn sweep(base: &Path) -> Result<(), String> {
    let out = Command::new("bash")
        .arg(supervisor_script())
        .arg("sweep")
        .arg(base)
        .output()
        .map_err(|e| format!("node: run the sweep: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "node: sweep of {} failed: {}",
            base.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The image tag `podwiz generate` puts in its manifests (served as well as `latest`).
fn podwiz_default_tag() -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(["generate", "rootful-priv", "-o", "json"])
        .output()
        .map_err(|e| format!("node: run podwiz generate: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "node: podwiz generate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("node: podwiz generate -o json: {e}"))?;
    let image =
        find_image(&json).ok_or("node: no image in `podwiz generate rootful-priv -o json`")?;
    let rest = image.strip_prefix(PODMAN_REPOSITORY).ok_or_else(|| {
        format!("node: podwiz's default image {image} is not {PODMAN_REPOSITORY}[:tag]")
    })?;
    Ok(rest.strip_prefix(':').unwrap_or("latest").to_string())
}

fn find_image(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(map) => map
            .get("image")
            .and_then(|i| i.as_str())
            .filter(|i| i.starts_with(PODMAN_REPOSITORY))
            .map(str::to_string)
            .or_else(|| map.values().find_map(find_image)),
        serde_json::Value::Array(items) => items.iter().find_map(find_image),
        _ => None,
    }
}

fn crane(bin: &Path, args: &[&str], tarball: &Path, reference: &str) -> Result<(), String> {
    run_ok(
        Command::new(bin.join("crane"))
            .args(args)
            .arg(tarball)
            .arg(reference),
        "crane push",
    )
}

fn run_ok(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("node: {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "node: {what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "nothing listens on 127.0.0.1:{port} after {timeout:?}"
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn hostname() -> Result<String, String> {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .map_err(|e| format!("node: read hostname: {e}"))?;
    Ok(name.trim().to_ascii_lowercase())
}

/// The API server reaches the kubelet by the node's hostname (InternalIP is not loopback):
/// it must resolve to 127.0.0.1.
fn check_hostname_is_loopback(name: &str) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = (name, 0)
        .to_socket_addrs()
        .map_err(|e| format!("node: resolve hostname {name}: {e}"))?
        .collect();
    if addrs.iter().any(|a| a.ip().is_loopback()) {
        Ok(())
    } else {
        Err(format!(
            "node: hostname {name} resolves to {addrs:?}, not loopback: the API server would call the kubelet off-host (add `127.0.0.1 {name}` to /etc/hosts)"
        ))
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

static EXIT_STOP: Mutex<Option<&'static Node>> = Mutex::new(None);

/// On a normal exit, stop the shared node before the control plane's own cleanup (atexit runs
/// handlers in reverse order of registration, and the control plane registered first).
fn register_exit_stop(node: &'static Node) {
    extern "C" fn stop_at_exit() {
        if let Some(node) = EXIT_STOP.try_lock().ok().and_then(|mut g| g.take())
            && let Err(e) = node.stop()
        {
            eprintln!("{e}");
        }
    }
    static REGISTER: OnceLock<()> = OnceLock::new();
    REGISTER.get_or_init(|| {
        *EXIT_STOP.lock().unwrap_or_else(|p| p.into_inner()) = Some(node);
        // SAFETY: registering a plain extern "C" fn.
        unsafe { libc::atexit(stop_at_exit) };
    });
}

/// `<pid>-<n>`: the sweep reads the owner from node.env, the pid here is for humans.
fn run_id() -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}
