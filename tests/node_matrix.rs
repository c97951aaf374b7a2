//! Every mode on a real node (tests/support/node.rs): `podwiz apply --yes --wait` brings each
//! generated pod to Running, then Podman runs inside it (`podman info`, `podman run`, a two-step
//! `podman build`; `podman --remote` for mode remote); negative controls (each mode without its
//! key ingredient) must fail, and `podwiz troubleshoot` on the runtime's own error text must name
//! the cause. The results are assets/runtime-matrix.json (contract:
//! /work/wt/brief/runtime-matrix-contract.md); the test fails when the committed file is stale.
//! `PODWIZ_UPDATE_MATRIX=1 cargo test --test node_matrix` rewrites it.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use podwiz::scenario::Mode;
use serde::Serialize;
use serde_json::{Value, json};
use support::node::Node;

const PODWIZ: &str = env!("CARGO_BIN_EXE_podwiz");
/// Seconds `podwiz apply --wait` watches the pod (first pulls of the 340 MB image included).
const WAIT_SECONDS: &str = "240";
/// Rows run at once (each a pod; most of their time is spent waiting on Podman and the API).
const PARALLEL: usize = 4;
const INNER_IMAGE: &str = "localhost/podwiz/busybox:1";
const BUILT_IMAGE: &str = "localhost/podwiz/built:1";
/// Podman 5 warns about cgroup v1 on every command; the warning is not what is tested.
const ENV: &str = "export PODMAN_IGNORE_CGROUPSV1_WARNING=1;";
const STALE: &str = "assets/runtime-matrix.json is stale (this run's result is in \
                     /tmp/runtime-matrix.json.new); review it, then run \
                     PODWIZ_UPDATE_MATRIX=1 cargo test --test node_matrix";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Check {
    Running,
    PodmanInfo,
    PodmanRun,
    PodmanBuild,
    RemoteRun,
    RemoteBuild,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Pass,
    Fail,
    NotVerifiable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct Row {
    mode: &'static str,
    variant: &'static str,
    options: BTreeMap<&'static str, &'static str>,
    control: Option<&'static str>,
    check: Check,
    result: Outcome,
    detail: String,
    diagnosis: Option<String>,
}

/// One way to run a mode: CLI options beyond the mode's defaults, or why it cannot run here.
struct Variant {
    mode: Mode,
    name: &'static str,
    options: &'static [(&'static str, &'static str)],
    not_verifiable: Option<&'static str>,
}

/// A variant with one setting changed in the generated Pod: a negative control (its key
/// ingredient taken out) or a tighter setting than podwiz generates.
struct Control {
    mode: Mode,
    variant: &'static str,
    options: &'static [(&'static str, &'static str)],
    control: &'static str,
    edit: fn(&mut Value),
    expect: Expect,
}

enum Expect {
    /// The first failing check, and the cause `podwiz troubleshoot` must name for its error.
    Fails { at: Check, cause: &'static str },
    /// Every check passes: the setting is not needed (evidence for a tighter default).
    Passes,
    /// A tighter setting tried for the record: whatever happens is the matrix's row (and the
    /// committed matrix catches any change).
    Observe,
}

const NO_CRIO: &str = "needs CRI-O (io.kubernetes.cri-o.* annotations); the test node runs containerd, which ignores them";

fn variants() -> Vec<Variant> {
    let v = |mode, name, options, not_verifiable| Variant {
        mode,
        name,
        options,
        not_verifiable,
    };
    vec![
        v(Mode::RootfulPriv, "default", &[], None),
        v(Mode::RootlessPriv, "default", &[], None),
        v(Mode::RootlessNoPriv, "default", &[], None),
        v(
            Mode::RootlessNoPriv,
            "article",
            &[
                ("fuse", "device-plugin"),
                ("storage", "hostpath:/home/user/.local/share/containers"),
                ("selinux", "host-disabled"),
            ],
            None,
        ),
        v(
            Mode::RootlessNoPriv,
            "crio-devices",
            &[("fuse", "crio-devices")],
            Some(NO_CRIO),
        ),
        v(Mode::RootfulNoPriv, "default", &[], None),
        v(
            Mode::RootfulNoPriv,
            "article",
            &[
                ("fuse", "device-plugin"),
                ("storage", "none"),
                ("selinux", "none"),
            ],
            None,
        ),
        v(Mode::Remote, "default", &[], None),
        v(Mode::Userns, "default", &[], None),
        v(
            Mode::Userns,
            "userns-shape-rootless",
            &[("userns-shape", "rootless")],
            None,
        ),
        v(
            Mode::Userns,
            "article",
            &[
                ("userns", "crio-annotation"),
                ("fuse", "device-plugin"),
                ("storage", "none"),
                ("selinux", "none"),
            ],
            Some(NO_CRIO),
        ),
    ]
}

fn controls() -> Vec<Control> {
    vec![
        Control {
            mode: Mode::RootlessNoPriv,
            variant: "default",
            options: &[],
            control: "without /dev/fuse",
            edit: |pod| {
                container(pod)["resources"]["limits"]
                    .as_object_mut()
                    .map(|l| l.remove("squat.ai/fuse"));
            },
            // Observed: rootless Podman 5.4 in this image stores with the kernel's overlay inside
            // its user namespace (graph options empty, no fuse-overlayfs; Linux >= 5.13).
            expect: Expect::Passes,
        },
        Control {
            mode: Mode::RootlessNoPriv,
            variant: "default",
            options: &[],
            control: "with allowPrivilegeEscalation false",
            edit: |pod| {
                let c = container(pod);
                c["securityContext"]["allowPrivilegeEscalation"] = Value::Bool(false);
            },
            // no_new_privs: newuidmap/newgidmap cannot gain their file capabilities.
            expect: Expect::Fails {
                at: Check::PodmanInfo,
                cause: "newuidmap-failed",
            },
        },
        Control {
            mode: Mode::RootlessNoPriv,
            variant: "default",
            options: &[],
            control: "with seccomp RuntimeDefault",
            edit: |pod| set_seccomp_runtime_default(pod),
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::RootfulNoPriv,
            variant: "default",
            options: &[],
            control: "with seccomp RuntimeDefault",
            edit: |pod| set_seccomp_runtime_default(pod),
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::Userns,
            variant: "default",
            options: &[],
            control: "with seccomp RuntimeDefault",
            edit: |pod| set_seccomp_runtime_default(pod),
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::Userns,
            variant: "userns-shape-rootless",
            options: &[("userns-shape", "rootless")],
            control: "with seccomp RuntimeDefault",
            edit: |pod| set_seccomp_runtime_default(pod),
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::RootfulNoPriv,
            variant: "default",
            options: &[],
            control: "with NET_ADMIN",
            edit: add_net_admin,
            // Rootful Podman brings up the loopback of an inner container's own network
            // namespace (--network=none): the default's podman-run failure. With NET_ADMIN the
            // next step (default sysctls on a read-only /proc/sys) is recorded.
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::Userns,
            variant: "default",
            options: &[],
            control: "with NET_ADMIN",
            edit: add_net_admin,
            expect: Expect::Observe,
        },
        Control {
            mode: Mode::RootfulNoPriv,
            variant: "default",
            options: &[],
            control: "without SYS_ADMIN",
            edit: |pod| {
                if let Some(add) =
                    container(pod)["securityContext"]["capabilities"]["add"].as_array_mut()
                {
                    add.retain(|c| c != "SYS_ADMIN");
                }
            },
            expect: Expect::Fails {
                at: Check::PodmanRun,
                cause: "ping-group-range",
            },
        },
        Control {
            mode: Mode::Userns,
            variant: "userns-shape-rootless",
            options: &[("userns-shape", "rootless")],
            control: "without procMount Unmasked",
            edit: |pod| {
                container(pod)["securityContext"]
                    .as_object_mut()
                    .map(|s| s.remove("procMount"));
            },
            // quay.io/podman/stable's rootless containers.conf binds the pod's /proc into inner
            // containers instead of mounting a new one: Unmasked is not needed with that image.
            expect: Expect::Passes,
        },
        Control {
            mode: Mode::Userns,
            variant: "userns-shape-rootless",
            options: &[("userns-shape", "rootless")],
            control: "without SETUID/SETGID",
            edit: |pod| {
                container(pod)["securityContext"]["capabilities"]
                    .as_object_mut()
                    .map(|c| c.remove("add"));
            },
            expect: Expect::Fails {
                at: Check::PodmanInfo,
                cause: "newuidmap-failed",
            },
        },
        Control {
            mode: Mode::Remote,
            variant: "default",
            options: &[],
            control: "without the node's Podman socket",
            edit: |pod| {
                container(pod)
                    .as_object_mut()
                    .map(|c| c.remove("volumeMounts"));
                pod["spec"].as_object_mut().map(|s| s.remove("volumes"));
            },
            expect: Expect::Fails {
                at: Check::PodmanInfo,
                cause: "podman-socket-unreachable",
            },
        },
    ]
}

fn add_net_admin(pod: &mut Value) {
    if let Some(add) = container(pod)["securityContext"]["capabilities"]["add"].as_array_mut() {
        add.push(Value::String("NET_ADMIN".into()));
    }
}

fn set_seccomp_runtime_default(pod: &mut Value) {
    container(pod)["securityContext"]["seccompProfile"] = json!({"type": "RuntimeDefault"});
}

fn container(pod: &mut Value) -> &mut Value {
    &mut pod["spec"]["containers"][0]
}

fn checks(mode: Mode) -> Vec<Check> {
    match mode {
        Mode::Remote => vec![
            Check::Running,
            Check::PodmanInfo,
            Check::RemoteRun,
            Check::RemoteBuild,
        ],
        _ => vec![
            Check::Running,
            Check::PodmanInfo,
            Check::PodmanRun,
            Check::PodmanBuild,
        ],
    }
}

fn cli_args(options: &[(&str, &str)]) -> Vec<String> {
    options
        .iter()
        .flat_map(|(k, v)| [format!("--{k}"), v.to_string()])
        .collect()
}

#[test]
fn every_mode_on_a_real_node() {
    let Some(node) = Node::shared() else {
        return;
    };
    eprintln!("node Ready in {:.1}s", node.started_in().as_secs_f64());
    let started = Instant::now();
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());

    enum Job {
        Variant(Variant),
        Control(Control),
    }
    let mut jobs: Vec<Job> = variants().into_iter().map(Job::Variant).collect();
    jobs.extend(controls().into_iter().map(Job::Control));
    if jobs
        .iter()
        .any(|j| matches!(j, Job::Variant(v) if v.mode == Mode::Remote))
    {
        ensure_podman_service(node);
    }
    let queue = Mutex::new(jobs);
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| {
                loop {
                    let Some(job) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let (new_rows, problems) = match job {
                        Job::Variant(v) => run_variant(node, &v),
                        Job::Control(c) => run_control(node, &c),
                    };
                    rows.lock().unwrap().extend(new_rows);
                    failures.lock().unwrap().extend(problems);
                }
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| row_key(a).cmp(&row_key(b)));
    eprintln!(
        "matrix: {} rows in {:.0}s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    for r in &rows {
        eprintln!(
            "  {:18} {:24} {:34} {:13} {:?} {}",
            r.mode,
            r.variant,
            r.control.unwrap_or("-"),
            format!("{:?}", r.check),
            r.result,
            r.detail
        );
    }

    // A struct, not json!(), so the file keeps the contract's field order.
    let matrix = Matrix {
        schema: 1,
        generated_by: "tests/node_matrix.rs",
        runtime: runtime(node),
        rows,
    };
    let text = serde_json::to_string_pretty(&matrix).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/runtime-matrix.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let mut failures = failures.into_inner().unwrap();
    if committed != text {
        if std::env::var_os("PODWIZ_UPDATE_MATRIX").is_some() {
            std::fs::write(&path, &text).expect("write assets/runtime-matrix.json");
        } else {
            std::fs::write(std::env::temp_dir().join("runtime-matrix.json.new"), &text)
                .expect("write runtime-matrix.json.new");
            failures.push(STALE.to_string());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// For a person debugging the node: `PODWIZ_HOLD_NODE=1 cargo test --test node_matrix -- --ignored
/// --nocapture hold_node` prints the kubeconfig and keeps the node up until /tmp/podwiz-hold-node
/// is removed.
#[test]
#[ignore = "manual: keeps a node running for a person to look at"]
fn hold_node() {
    let Some(node) = Node::shared() else {
        return;
    };
    let flag = Path::new("/tmp/podwiz-hold-node");
    std::fs::write(flag, "remove me to stop the node\n").expect("write the hold flag");
    eprintln!(
        "node up: KUBECONFIG={} ; run dir {} ; rm {} to stop",
        node.kubeconfig_path().display(),
        node.run_dir().display(),
        flag.display()
    );
    while flag.exists() {
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn row_key(r: &Row) -> (usize, &'static str, Option<&'static str>, Check) {
    let mode = Mode::ALL
        .iter()
        .position(|m| m.id() == r.mode)
        .unwrap_or(usize::MAX);
    (mode, r.variant, r.control, r.check)
}

#[derive(Serialize)]
struct Matrix {
    schema: u32,
    generated_by: &'static str,
    runtime: Runtime,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Runtime {
    kubernetes: String,
    containerd: String,
    runc: String,
    podman: String,
    inner_runtime: String,
    kernel: String,
    cgroup: &'static str,
}

/// The runtime block of the matrix, from the node's build and this machine.
fn runtime(node: &Node) -> Runtime {
    let v = node.versions();
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    // Debian versions: upstream part only (5.4.2+ds1-2+b2 -> 5.4.2, 1.21-1 -> 1.21).
    let upstream = |deb: String| {
        let no_epoch = deb
            .split_once(':')
            .map(|(_, r)| r.to_string())
            .unwrap_or(deb);
        no_epoch
            .split(['+', '-', '~'])
            .next()
            .unwrap_or("")
            .to_string()
    };
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let kernel: Vec<&str> = release.trim().split('.').take(2).collect();
    let hybrid = Path::new("/sys/fs/cgroup/unified").is_dir();
    let v2_only = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    Runtime {
        kubernetes: get("kubernetes"),
        containerd: get("containerd"),
        runc: get("runc"),
        podman: upstream(get("podman")),
        inner_runtime: format!("crun {}", upstream(get("crun"))),
        kernel: format!("{}.x", kernel.join(".")),
        cgroup: if v2_only {
            "v2"
        } else if hybrid {
            "v1 (hybrid)"
        } else {
            "v1"
        },
    }
}

// ---- one variant ---------------------------------------------------------------------------

fn run_variant(node: &Node, v: &Variant) -> (Vec<Row>, Vec<String>) {
    let options: BTreeMap<_, _> = v.options.iter().copied().collect();
    let row = |check, result, detail: String| Row {
        mode: v.mode.id(),
        variant: v.name,
        options: options.clone(),
        control: None,
        check,
        result,
        detail,
        diagnosis: None,
    };
    if let Some(reason) = v.not_verifiable {
        return (
            vec![row(
                Check::Running,
                Outcome::NotVerifiable,
                reason.to_string(),
            )],
            vec![],
        );
    }
    let ns = namespace_name(v.mode, v.name, None);
    let bundle = generate(v.mode, v.options, &ns);
    run_host_steps(node, &bundle);
    let mut args = vec!["apply".to_string(), v.mode.id().to_string()];
    args.extend(cli_args(v.options));
    args.extend(
        [
            "-n",
            &ns,
            "--create-namespace",
            "--yes",
            "--wait",
            WAIT_SECONDS,
        ]
        .map(String::from),
    );
    let out = Command::new(PODWIZ)
        .args(&args)
        .env("KUBECONFIG", node.kubeconfig_path())
        .output()
        .expect("run podwiz apply");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pod = pod_name(&bundle);
    let mut problems = Vec::new();
    let running = out.status.success() && stdout.contains(&format!("pod/{pod}: Running"));
    let mut rows = Vec::new();
    if running {
        rows.push(row(Check::Running, Outcome::Pass, String::new()));
    } else {
        let detail = format!(
            "podwiz apply ({}): {}{}",
            out.status,
            stdout
                .lines()
                .filter(|l| l.contains("pod/") || l.contains("FAILED"))
                .collect::<Vec<_>>()
                .join("; "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        problems.push(format!(
            "{} {}: not Running: {detail}\n{}",
            v.mode.id(),
            v.name,
            pod_events(node, &ns, &pod)
        ));
        rows.push(row(Check::Running, Outcome::Fail, detail));
    }
    for check in checks(v.mode).into_iter().skip(1) {
        if !running {
            rows.push(row(
                check,
                Outcome::NotVerifiable,
                "the pod did not reach Running".into(),
            ));
            continue;
        }
        // A failing check is a finding kept in the matrix (the committed file catches any
        // change); a pod that does not start is a broken node or manifest and fails the test.
        let (result, detail) = run_check(node, &ns, &pod, check, &bundle);
        if result == Outcome::Fail {
            eprintln!(
                "finding: {} {}: {check:?} fails: {detail}",
                v.mode.id(),
                v.name
            );
        }
        rows.push(row(check, result, detail));
    }
    delete_namespace(node, &ns);
    (rows, problems)
}

// ---- one negative control ------------------------------------------------------------------

fn run_control(node: &Node, c: &Control) -> (Vec<Row>, Vec<String>) {
    let options: BTreeMap<_, _> = c.options.iter().copied().collect();
    let ns = namespace_name(c.mode, c.variant, Some(c.control));
    let mut bundle = generate(c.mode, c.options, &ns);
    let mut objects = bundle["objects"].as_array().cloned().unwrap_or_default();
    for object in &mut objects {
        if object["kind"] == "Pod" {
            (c.edit)(object);
        }
    }
    bundle["objects"] = Value::Array(objects.clone());
    let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    let pod = pod_name(&bundle);
    let mut problems = Vec::new();
    // Server-side: controls run in parallel and each list carries the fuse device plugin
    // DaemonSet; a client-side apply reads then creates, and two of them race to AlreadyExists.
    let applied = kubectl_stdin(
        node,
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        &list.to_string(),
    );
    let running = applied.status.success()
        && node
            .kubectl()
            .args([
                "wait",
                "-n",
                &ns,
                &format!("pod/{pod}"),
                "--for=jsonpath={.status.phase}=Running",
                &format!("--timeout={WAIT_SECONDS}s"),
            ])
            .output()
            .is_ok_and(|o| o.status.success());
    let mut rows = Vec::new();
    let mut push = |check, result, detail: String, diagnosis| {
        rows.push(Row {
            mode: c.mode.id(),
            variant: c.variant,
            options: options.clone(),
            control: Some(c.control),
            check,
            result,
            detail,
            diagnosis,
        })
    };
    if !running {
        let detail = format!(
            "not Running: {}",
            String::from_utf8_lossy(&applied.stderr).trim()
        );
        problems.push(format!(
            "{} {} {}: {detail}\n{}",
            c.mode.id(),
            c.variant,
            c.control,
            pod_events(node, &ns, &pod)
        ));
        push(Check::Running, Outcome::Fail, detail, None);
    } else {
        push(Check::Running, Outcome::Pass, String::new(), None);
        let mut failed_at = None;
        for check in checks(c.mode).into_iter().skip(1) {
            let (result, detail) = run_check(node, &ns, &pod, check, &bundle);
            let diagnosis = (result == Outcome::Fail).then(|| troubleshoot(&detail));
            if result == Outcome::Fail && failed_at.is_none() {
                failed_at = Some((check, diagnosis.clone().flatten(), detail.clone()));
            }
            push(check, result, detail, diagnosis.flatten());
        }
        let what = format!("{} {} {}", c.mode.id(), c.variant, c.control);
        match (&c.expect, failed_at) {
            (Expect::Passes | Expect::Observe, None) | (Expect::Observe, Some(_)) => {}
            (Expect::Passes, Some((check, _, detail))) => problems.push(format!(
                "{what}: expected to pass, {check:?} failed: {detail}"
            )),
            (Expect::Fails { .. }, None) => {
                problems.push(format!("{what}: every check passed, the control must fail"))
            }
            (Expect::Fails { at, cause }, Some((check, diagnosis, detail))) => {
                if check != *at {
                    problems.push(format!(
                        "{what}: first failure at {check:?}, expected {at:?}: {detail}"
                    ));
                }
                if diagnosis.as_deref() != Some(*cause) {
                    problems.push(format!(
                        "{what}: podwiz troubleshoot says {diagnosis:?} for the runtime's error, expected {cause}: {detail}"
                    ));
                }
            }
        }
    }
    delete_namespace(node, &ns);
    (rows, problems)
}

// ---- checks inside the pod ------------------------------------------------------------------

fn run_check(node: &Node, ns: &str, pod: &str, check: Check, bundle: &Value) -> (Outcome, String) {
    let build_flags = if usage_text(bundle).contains("--isolation chroot") {
        "--isolation chroot"
    } else {
        ""
    };
    let containerfile = format!(
        "printf 'FROM {INNER_IMAGE}\\nRUN echo one > /one\\nRUN cat /one > /two && echo two >> /two\\n' > $d/Containerfile"
    );
    let import = format!(
        "podman image exists {INNER_IMAGE} || podman import -q /opt/podwiz/busybox.tar {INNER_IMAGE} >/dev/null"
    );
    let remote_import = format!(
        "podman --remote image exists {INNER_IMAGE} || podman --remote import -q /opt/podwiz/busybox.tar {INNER_IMAGE} >/dev/null"
    );
    let (script, expect) = match check {
        Check::Running => unreachable!("checked by apply"),
        Check::PodmanInfo if bundle["mode"] == "remote" => {
            ("podman --remote info >/dev/null".to_string(), "")
        }
        Check::PodmanInfo => ("podman info >/dev/null".to_string(), ""),
        Check::PodmanRun => (
            format!("{import} && podman run --rm --network=none {INNER_IMAGE} echo hello"),
            "hello",
        ),
        Check::PodmanBuild => (
            format!(
                "d=$(mktemp -d) && {containerfile} && {import} && podman build -q {build_flags} -t {BUILT_IMAGE} $d >/dev/null && podman run --rm --network=none {BUILT_IMAGE} cat /two"
            ),
            "one\ntwo",
        ),
        Check::RemoteRun => (
            format!(
                "{remote_import} && podman --remote run --rm --network=none {INNER_IMAGE} echo hello"
            ),
            "hello",
        ),
        Check::RemoteBuild => (
            format!(
                "d=$(mktemp -d) && {containerfile} && {remote_import} && podman --remote build -q -t {BUILT_IMAGE}-{pod} $d >/dev/null && podman --remote run --rm --network=none {BUILT_IMAGE}-{pod} cat /two"
            ),
            "one\ntwo",
        ),
    };
    let out = node
        .kubectl()
        .args([
            "exec",
            "-n",
            ns,
            pod,
            "--",
            "timeout",
            "300",
            "sh",
            "-c",
            &format!("{ENV} {script}"),
        ])
        .output()
        .expect("run kubectl exec");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.trim() == expect {
        (Outcome::Pass, String::new())
    } else {
        (Outcome::Fail, error_text(&out))
    }
}

/// The runtime's own error line(s), without what changes from run to run (ids, pids, paths
/// under /tmp, durations), so the matrix is stable.
fn error_text(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("command terminated with exit code"))
        .collect();
    // Podman's own summary lines ("Error: ...") when there are some, else every line; once each.
    let mut picked: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("Error:"))
        .collect();
    if picked.is_empty() {
        picked = lines.clone();
    }
    let mut seen = std::collections::BTreeSet::new();
    picked.retain(|l| seen.insert(*l));
    let text = if picked.is_empty() {
        format!(
            "exit status {}; stdout: {}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).trim()
        )
    } else {
        picked.join(" | ")
    };
    scrub(&text)
}

fn scrub(text: &str) -> String {
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut w = String::new();
        let mut run = String::new();
        let flush = |run: &mut String, w: &mut String| {
            if run.len() >= 12 && run.chars().all(|c| c.is_ascii_hexdigit()) {
                w.push_str("<id>");
            } else {
                w.push_str(run);
            }
            run.clear();
        };
        for ch in word.chars() {
            if ch.is_ascii_alphanumeric() {
                run.push(ch);
            } else {
                flush(&mut run, &mut w);
                w.push(ch);
            }
        }
        flush(&mut run, &mut w);
        // Temporary dirs (mktemp) and time stamps differ per run.
        let w = if w.contains("/tmp/tmp.") {
            let start = w.find("/tmp/tmp.").unwrap_or(0);
            let end = w[start..]
                .find(['/', ':', '"', '\''])
                .map(|e| e + start)
                .filter(|e| *e > start + 5);
            let end = w[start + 9..]
                .find(['/', ':', '"', '\''])
                .map(|e| e + start + 9)
                .or(end)
                .unwrap_or(w.len());
            format!("{}/tmp/<tmp>{}", &w[..start], &w[end..])
        } else {
            w
        };
        out.push_str(&w);
    }
    out
}

fn troubleshoot(text: &str) -> Option<String> {
    let out = Command::new(PODWIZ)
        .args(["troubleshoot", text])
        .output()
        .expect("run podwiz troubleshoot");
    if !out.status.success() {
        return None;
    }
    // The first field is "Error: <known error> [<id>]", wrapped over lines when long.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.split("\nCause").next()?;
    let open = first.rfind('[')?;
    let close = first[open..].find(']')? + open;
    Some(first[open + 1..close].to_string())
}

// ---- helpers ---------------------------------------------------------------------------------

fn namespace_name(mode: Mode, variant: &str, control: Option<&str>) -> String {
    let mut name = format!("m-{}-{}", mode.id(), variant);
    if let Some(c) = control {
        name.push('-');
        name.push_str(c);
    }
    let mut label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while label.contains("--") {
        label = label.replace("--", "-");
    }
    label.truncate(63);
    label.trim_end_matches('-').to_string()
}

fn generate(mode: Mode, options: &[(&str, &str)], ns: &str) -> Value {
    let out = Command::new(PODWIZ)
        .arg("generate")
        .arg(mode.id())
        .args(cli_args(options))
        .args(["-n", ns, "--create-namespace", "-o", "json"])
        .output()
        .expect("run podwiz generate");
    assert!(
        out.status.success(),
        "podwiz generate {}: {}",
        mode.id(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("podwiz generate -o json")
}

fn pod_name(bundle: &Value) -> String {
    bundle["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "Pod"))
        .and_then(|p| p["metadata"]["name"].as_str())
        .expect("a Pod in the bundle")
        .to_string()
}

fn usage_text(bundle: &Value) -> String {
    bundle["usage"].to_string()
}

/// The node-local host steps podwiz prints that this node needs (the storage directory of a
/// hostPath variant); module loading, SELinux and CRI-O steps do not apply to the test node.
fn run_host_steps(node: &Node, bundle: &Value) {
    for step in bundle["host_steps"].as_array().into_iter().flatten() {
        for command in step["commands"].as_array().into_iter().flatten() {
            let command = command.as_str().unwrap_or("");
            if command.starts_with("mkdir ") || command.starts_with("chown ") {
                let out = node.run_on_node(command);
                assert!(
                    out.status.success(),
                    "host step `{command}`: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

fn kubectl_stdin(node: &Node, args: &[&str], input: &str) -> Output {
    let mut child = node
        .kubectl()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubectl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to kubectl");
    child.wait_with_output().expect("wait for kubectl")
}

fn pod_events(node: &Node, ns: &str, pod: &str) -> String {
    let out = node
        .kubectl()
        .args(["describe", "pod", "-n", ns, pod])
        .output()
        .expect("kubectl describe");
    format!(
        "{}\n--- kubelet log tail ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        node.log_tail("kubelet", 15)
    )
}

fn delete_namespace(node: &Node, ns: &str) {
    // Pods go with the node at exit anyway; not waiting keeps the run short.
    let _ = node
        .kubectl()
        .args(["delete", "namespace", ns, "--wait=false"])
        .output();
    let _ = node
        .kubectl()
        .args([
            "delete",
            "pods",
            "--all",
            "-n",
            ns,
            "--grace-period=0",
            "--force",
            "--wait=false",
        ])
        .output();
}

/// The node's Podman socket for mode remote: a privileged pod of the test image serving
/// `podman system service` on the node's /run/podman (a private dir in the node namespace), as
/// podman.socket would on a real node.
fn ensure_podman_service(node: &Node) {
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "node-podman-service", "namespace": "kube-system"},
        "spec": {
            "containers": [{
                "name": "podman",
                "image": "quay.io/podman/stable:latest",
                "command": ["sh", "-c", "export PODMAN_IGNORE_CGROUPSV1_WARNING=1; rm -f /run/podman/podman.sock; exec podman system service --time=0 unix:///run/podman/podman.sock"],
                "securityContext": {"privileged": true},
                "volumeMounts": [
                    {"name": "sock", "mountPath": "/run/podman"},
                    {"name": "storage", "mountPath": "/var/lib/containers"}
                ]
            }],
            "volumes": [
                {"name": "sock", "hostPath": {"path": "/run/podman", "type": "DirectoryOrCreate"}},
                {"name": "storage", "emptyDir": {}}
            ]
        }
    });
    let out = kubectl_stdin(node, &["apply", "-f", "-"], &pod.to_string());
    assert!(
        out.status.success(),
        "podman service pod: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let check = node.run_on_node("test -S /run/podman/podman.sock");
        if check.status.success() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the node's Podman socket did not appear\n{}",
            pod_events(node, "kube-system", "node-podman-service")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
