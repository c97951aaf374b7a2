//! The test node leaves the host as it found it: after a normal stop, and after a run whose test
//! process and supervisor were killed (the next run's sweep cleans up). Host sysctls, /dev/fuse's
//! mode, packet-filter rules, links, mounts, cgroups and the private mountpoints are compared
//! before and after; no kubelet, containerd, shim or runc process may be left.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::node::{self, Node, PRIVATE_PATHS};

/// Everything a node run could change on the host.
#[derive(Debug, PartialEq, Eq)]
struct HostState {
    sysctls: Vec<(String, String)>,
    dev_fuse_mode: u32,
    packet_filter: Vec<String>,
    links: BTreeSet<String>,
    mount_points: BTreeSet<String>,
    cgroups: BTreeSet<String>,
    private_paths: Vec<(String, bool)>,
}

const SYSCTLS: [&str; 7] = [
    "vm/overcommit_memory",
    "kernel/panic",
    "kernel/panic_on_oops",
    "net/ipv4/ip_forward",
    "net/ipv6/conf/all/forwarding",
    "net/ipv4/conf/all/route_localnet",
    "kernel/keys/root_maxkeys",
];

impl HostState {
    fn capture() -> HostState {
        let sysctls = SYSCTLS
            .iter()
            .map(|s| {
                let value = fs::read_to_string(Path::new("/proc/sys").join(s))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_else(|e| format!("<{e}>"));
                (s.to_string(), value)
            })
            .collect();
        let dev_fuse_mode = fs::metadata("/dev/fuse")
            .map(|m| m.permissions().mode())
            .unwrap_or(0);
        let mut packet_filter = Vec::new();
        for (tool, args) in [
            ("iptables-save", &[][..]),
            ("ip6tables-save", &[][..]),
            ("nft", &["list", "ruleset"][..]),
        ] {
            if let Ok(out) = Command::new(tool).args(args).output() {
                packet_filter.push(format!("== {tool}"));
                // iptables-save stamps its output with the time: keep the rules only.
                packet_filter.extend(
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .filter(|l| !l.starts_with('#'))
                        .map(str::to_string),
                );
            }
        }
        let links = fs::read_dir("/sys/class/net")
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mount_points = fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(4).map(str::to_string))
            .collect();
        let mut cgroups = BTreeSet::new();
        for hierarchy in fs::read_dir("/sys/fs/cgroup")
            .into_iter()
            .flatten()
            .flatten()
        {
            for child in fs::read_dir(hierarchy.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = child.file_name().to_string_lossy().into_owned();
                if name.starts_with("podwiz-node") || name.starts_with("kubepods") {
                    cgroups.insert(child.path().display().to_string());
                }
            }
        }
        let private_paths = PRIVATE_PATHS
            .iter()
            .map(|p| (p.to_string(), Path::new(p).exists()))
            .collect();
        HostState {
            sysctls,
            dev_fuse_mode,
            packet_filter,
            links,
            mount_points,
            cgroups,
            private_paths,
        }
    }
}

/// Processes of the node left on the host: kubelet, containerd, its shims, runc, the plugin.
fn node_processes() -> Vec<String> {
    let names = [
        "kubelet",
        "containerd",
        "containerd-shim-runc-v2",
        "runc",
        "fuse-device-plugin",
        "kube-scheduler",
    ];
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(exe) = fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        let base = exe
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if names.contains(&base.trim_end_matches(" (deleted)")) {
            found.push(format!(
                "{} {}",
                entry.file_name().to_string_lossy(),
                exe.display()
            ));
        }
    }
    found
}

fn run_pods(node: &Node) {
    // A pod on the CNI bridge with an emptyDir, and a user-namespaced one (idmapped mounts).
    let pods = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "plain", "namespace": "default"},
         "spec": {"containers": [{"name": "c", "image": "quay.io/podman/stable", "command": ["sleep", "1000"],
                  "volumeMounts": [{"name": "d", "mountPath": "/d"}]}],
                  "volumes": [{"name": "d", "emptyDir": {}}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "userns", "namespace": "default"},
         "spec": {"hostUsers": false, "containers": [{"name": "c", "image": "quay.io/podman/stable", "command": ["sleep", "1000"]}]}}
    ]});
    let mut child = node
        .kubectl()
        .args(["apply", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl apply");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pods.to_string().as_bytes())
        .expect("write");
    assert!(
        child.wait().expect("wait").success(),
        "kubectl apply of the test pods"
    );
    for pod in ["plain", "userns"] {
        let out = node
            .kubectl()
            .args([
                "wait",
                "pod",
                pod,
                "--for=jsonpath={.status.phase}=Running",
                "--timeout=240s",
            ])
            .output()
            .expect("kubectl wait");
        assert!(
            out.status.success(),
            "pod {pod} not Running: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            node.log_tail("kubelet", 20)
        );
    }
    let out = node
        .kubectl()
        .args(["exec", "userns", "--", "cat", "/proc/self/uid_map"])
        .output()
        .expect("kubectl exec");
    let map = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && map
                .split_whitespace()
                .nth(1)
                .is_some_and(|host| host != "0"),
        "hostUsers: false pod is not in a user namespace: uid_map {map:?}, {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_clean(before: &HostState, what: &str) {
    // Teardown of network namespaces is asynchronous in the kernel: allow a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let after = HostState::capture();
        let procs = node_processes();
        if &after == before && procs.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            assert!(procs.is_empty(), "{what}: node processes left: {procs:?}");
            assert_eq!(&after, before, "{what}: the host changed");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn node_runs_leave_the_host_as_they_found_it() {
    if !node::is_root() {
        eprintln!(
            "\n!!!!! NODE HYGIENE TEST SKIPPED: not root; it checked NOTHING. Run as root (CI). !!!!!\n"
        );
        return;
    }
    // A previous killed run's leftovers are swept by Node::start; capture after a sweep.
    node::sweep(&node::runs_base_dir()).unwrap_or_else(|e| panic!("{e}"));
    let before = HostState::capture();
    assert!(
        node_processes().is_empty(),
        "node processes before the test: {:?}",
        node_processes()
    );

    // 1. A normal run: start, pods, stop.
    let node = Node::start().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("node Ready in {:.1}s", node.started_in().as_secs_f64());
    let during = HostState::capture();
    assert_eq!(
        during.sysctls, before.sysctls,
        "sysctls changed while the node runs"
    );
    assert_eq!(
        during.dev_fuse_mode, before.dev_fuse_mode,
        "/dev/fuse mode changed on the host"
    );
    run_pods(&node);
    let run_dir = node.run_dir().to_path_buf();
    let stopped = Instant::now();
    node.stop().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("node stopped in {:.1}s", stopped.elapsed().as_secs_f64());
    assert!(!run_dir.exists(), "run dir {} left", run_dir.display());
    assert_clean(&before, "after a normal stop");

    // 2. A killed run: the supervisor dies without its teardown and the owner is gone; the
    //    next start's sweep must clean up everything.
    let node = Node::start().unwrap_or_else(|e| panic!("{e}"));
    run_pods(&node);
    let run_dir = node.run_dir().to_path_buf();
    let pid = fs::read_to_string(run_dir.join("supervisor.pid")).expect("supervisor.pid");
    let status = Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(
        !node_processes().is_empty(),
        "killing the supervisor alone must leave its children (the case the sweep is for)"
    );
    // Pretend the test process died: its pid in node.env is one that no longer exists.
    let dead = Command::new("true").spawn().expect("spawn true");
    let dead_pid = dead.id();
    let _ = dead.wait_with_output();
    let env = fs::read_to_string(run_dir.join("node.env")).expect("node.env");
    let env: String = env
        .lines()
        .map(|l| {
            if l.starts_with("OWNER_PID=") {
                format!("OWNER_PID='{dead_pid}'\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(run_dir.join("node.env"), env).expect("write node.env");
    node::sweep(&node::runs_base_dir()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!run_dir.exists(), "sweep left {}", run_dir.display());
    // The scheduler and registry are this process's children: stop() ends them (its error,
    // "teardown incomplete", is the point of this case).
    assert!(
        node.stop().is_err(),
        "a killed supervisor cannot have finished its teardown"
    );
    assert_clean(&before, "after a killed run and a sweep");
}
