//! `podwiz troubleshoot --pod FILE|TYPE/NAME` and `-o json`, through the real binary; the live
//! object comes from the real kube-apiserver of tests/support/control_plane.rs.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use support::control_plane as cp;

const MESSAGE_C: &str = "Failed to create /init.scope control group: Permission denied\nFailed to allocate manager object: Permission denied\n";

/// The issue's case c: rootless Podman (uid 1000) in a hostUsers: false pod; a Deployment, so
/// the pod template is what is read.
const POD_C: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: systemd-builder}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      hostUsers: false
      containers:
      - name: sidecar
        image: busybox
      - name: podman
        image: quay.io/podman/stable
        securityContext:
          runAsUser: 1000
          procMount: Unmasked
          capabilities: {add: [SETUID, SETGID], drop: [ALL]}
"#;

fn podwiz(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run podwiz");
    let input = stdin.unwrap_or("").to_string();
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(input.as_bytes()).expect("write stdin");
    drop(pipe);
    child.wait_with_output().expect("wait")
}

fn file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("podwiz-troubleshoot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn the_pod_file_is_evidence_and_the_json_contract_holds() {
    let pod = file("c.yaml", POD_C);
    let pod = pod.to_str().expect("utf-8 path");
    let out = podwiz(
        &["troubleshoot", "-", "--pod", pod, "-o", "json"],
        Some(MESSAGE_C),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    // The contract: these keys, these types.
    assert_eq!(v["diagnosis"]["id"], "cgroup-owned-by-userns-root");
    for key in ["error", "cause", "fix", "source"] {
        assert!(v["diagnosis"][key].is_string(), "diagnosis.{key}: {v}");
    }
    assert_eq!(
        v["diagnosis"]["avoided_by"],
        serde_json::json!(["userns-shape.rootful"])
    );
    assert!(
        v["why"].as_array().is_some_and(|w| w.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("root of the pod's user namespace")))),
        "{v}"
    );
    let causes = v["causes"].as_array().expect("causes");
    assert_eq!(causes[0]["id"], v["diagnosis"]["id"]);
    assert!(
        causes[0]["score"].is_i64() && causes[0]["reasons"].is_array(),
        "{v}"
    );
    assert!(v["ruled_out"].is_array());
    let lines = v["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["number"], 1);
    assert_eq!(lines[0]["level"], "error");
    assert_eq!(lines[0]["errno"]["name"], "EACCES");
    assert_eq!(lines[0]["operations"], serde_json::json!(["cgroup"]));
    // The engine container is picked, not the first one.
    assert_eq!(v["pod"]["container"], "podman");
    assert_eq!(v["pod"]["host_users_false"], true);
    assert_eq!(v["pod"]["run_as_user"], 1000);

    // Text: the pod's facts and why the first cause wins.
    let out = podwiz(&["troubleshoot", "-", "--pod", pod], Some(MESSAGE_C));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("Pod evidence:\n  - container podman, hostusers, userns, nonroot-uid"),
        "{text}"
    );
    assert!(text.contains("Why this cause first:"), "{text}");
}

#[test]
fn json_without_a_known_cause_says_null_and_exits_1() {
    let out = podwiz(
        &["troubleshoot", "-o", "json", "the cluster is on fire"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert!(
        v["diagnosis"].is_null() && v["causes"].as_array().is_some_and(Vec::is_empty),
        "{v}"
    );
}

#[test]
fn a_bad_pod_is_a_one_line_error() {
    let not_k8s = file("notes.txt", "just some notes\n");
    let no_template = file(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    let pod = file("c2.yaml", POD_C);
    for (args, needle) in [
        (
            vec!["--pod", not_k8s.to_str().expect("path")],
            "not a Kubernetes manifest",
        ),
        (
            vec!["--pod", no_template.to_str().expect("path")],
            "no object with a pod template",
        ),
        (
            vec!["--pod", "/nonexistent/pod.yaml"],
            "/nonexistent/pod.yaml",
        ),
        (
            vec!["--pod", pod.to_str().expect("path"), "--container", "nope"],
            "no container by that name",
        ),
        (vec!["--pod", "-"], "not both"),
    ] {
        let mut full = vec!["troubleshoot", "-"];
        full.extend(args.iter().copied());
        let out = podwiz(&full, Some(MESSAGE_C));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn a_live_pod_is_read_from_the_cluster() {
    let ns = cp::fresh_namespace("troubleshoot-pod");
    // The issue's case a: rootful Podman with SYS_ADMIN, no SELinux type.
    let manifest = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "rootful", "namespace": ns},
        "spec": {"containers": [{"name": "podman", "image": "quay.io/podman/stable",
            "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "MKNOD", "SYS_CHROOT", "SETFCAP"]}}}]}
    });
    let mut kubectl = cp::ControlPlane::shared()
        .kubectl_admin()
        .args(["create", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl");
    kubectl
        .stdin
        .take()
        .expect("stdin")
        .write_all(manifest.to_string().as_bytes())
        .expect("write");
    let created = kubectl.wait_with_output().expect("kubectl");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let kubeconfig = cp::admin_kubeconfig_path()
        .to_str()
        .expect("path")
        .to_string();
    let message = "Error: crun: mount `proc` to `/proc`: Permission denied: OCI permission denied";
    let out = podwiz(
        &[
            "troubleshoot",
            message,
            "--pod",
            "po/rootful",
            "-n",
            &ns,
            "--kubeconfig",
            &kubeconfig,
            "-o",
            "json",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["diagnosis"]["id"], "selinux-mount-denied");
    assert_eq!(v["pod"]["sys_admin"], true);
    assert!(v["why"].to_string().contains("sets no SELinux type"), "{v}");

    let out = podwiz(
        &[
            "troubleshoot",
            message,
            "--pod",
            "po/absent",
            "-n",
            &ns,
            "--kubeconfig",
            &kubeconfig,
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("absent") && stderr.contains("NotFound"),
        "{stderr}"
    );
}
