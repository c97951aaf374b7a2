//! `podwiz explain TYPE/NAME` against the real API server (etcd + kube-apiserver), and the safer
//! rewrite (`--suggest`) applied there: Pod Security admission accepts it at the level podwiz
//! says, and refuses the original.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::control_plane::{self as cp, ControlPlane};

const CI_AGENT: &str = "tests/fixtures/manifests/ci-agent-socket.yaml";

fn podwiz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz")
}

fn kubectl(args: &[&str], stdin: &str) -> Output {
    let mut child = ControlPlane::shared()
        .kubectl_admin()
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
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("kubectl output")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The ci-agent pod as the template of a workload of `kind`.
fn as_workload(kind: &str, name: &str) -> String {
    let pod: Value = {
        let yaml = std::fs::read_to_string(CI_AGENT).expect("fixture");
        let docs = podwiz::manifest::read_manifests(yaml.as_bytes()).expect("fixture reads");
        docs.workloads[0].to_value()
    };
    let template = serde_json::json!({
        "metadata": {"labels": {"app": name}},
        "spec": pod["spec"],
    });
    let selector = serde_json::json!({"matchLabels": {"app": name}});
    let object = match kind {
        "Deployment" => {
            serde_json::json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
            "spec": {"selector": selector, "template": template}})
        }
        "StatefulSet" => {
            serde_json::json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
            "spec": {"selector": selector, "serviceName": name, "template": template}})
        }
        "CronJob" => {
            let mut t = template.clone();
            t["spec"]["restartPolicy"] = "Never".into();
            serde_json::json!({"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": name},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": t}}}})
        }
        other => panic!("{other}"),
    };
    object.to_string()
}

#[test]
fn live_objects_are_read_with_the_servers_policy_version() {
    let cp = ControlPlane::shared();
    let ns = cp::fresh_namespace("explain-live");
    let kubeconfig = cp.admin_kubeconfig_path().to_string_lossy().into_owned();
    let version: Value =
        serde_json::from_str(&ok(&kubectl(&["get", "--raw", "/version"], ""))).expect("version");
    let minor: String = version["minor"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let server_policy = format!("v1.{minor}");
    for (kind, word, name) in [
        ("Deployment", "deploy", "agents"),
        ("StatefulSet", "sts", "agents-sts"),
        ("CronJob", "cj", "nightly"),
    ] {
        ok(&kubectl(
            &["create", "-n", &ns, "-f", "-"],
            &as_workload(kind, name),
        ));
        let object = format!("{word}/{name}");
        let report: Value = serde_json::from_str(&ok(&podwiz(&[
            "explain",
            &object,
            "-n",
            &ns,
            "--kubeconfig",
            &kubeconfig,
            "-o",
            "json",
        ])))
        .expect("json");
        let o = &report["objects"][0];
        assert_eq!(o["kind"], kind);
        assert_eq!(o["name"], name);
        assert_eq!(o["namespace"], ns.as_str());
        assert_eq!(
            o["pss"]["version"],
            server_policy.as_str(),
            "the server's version"
        );
        assert_eq!(o["mode"]["id"], "remote");
        assert_eq!(o["suggestion"]["mode"], "rootless-no-priv");
        let findings = o["findings"].as_array().expect("findings");
        let prefix = if kind == "CronJob" {
            "spec.jobTemplate.spec.template.spec."
        } else {
            "spec.template.spec."
        };
        assert!(
            findings
                .iter()
                .all(|f| f["field"].as_str().unwrap_or_default().starts_with(prefix)),
            "{findings:?}"
        );
    }
    // --policy-version wins over the server's.
    let report: Value = serde_json::from_str(&ok(&podwiz(&[
        "explain",
        "deploy/agents",
        "-n",
        &ns,
        "--kubeconfig",
        &kubeconfig,
        "--policy-version",
        "v1.30",
        "-o",
        "json",
    ])))
    .expect("json");
    assert_eq!(report["objects"][0]["pss"]["version"], "v1.30");

    // A missing object: the API's answer, exit 1, one line.
    let out = podwiz(&["explain", "po/nope", "-n", &ns, "--kubeconfig", &kubeconfig]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("pods/nope") && stderr.contains("404"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn the_safer_rewrite_passes_pod_security_where_the_original_is_refused() {
    let cp = ControlPlane::shared();
    let report: Value =
        serde_json::from_str(&ok(&podwiz(&["explain", "-f", CI_AGENT, "-o", "json"])))
            .expect("json");
    let level = report["objects"][0]["suggestion"]["level"]
        .as_str()
        .expect("level")
        .to_string();
    assert_eq!(level, "baseline");
    let ns = cp::fresh_namespace_with_labels(
        "explain-safer",
        &[("pod-security.kubernetes.io/enforce", level.as_str())],
    );
    let original = std::fs::read_to_string(CI_AGENT).expect("fixture");
    let refused = kubectl(&["apply", "--server-side", "-n", &ns, "-f", "-"], &original);
    assert!(
        !refused.status.success(),
        "the privileged original must be refused"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("violates PodSecurity \"baseline:latest\""),
        "{stderr}"
    );

    let suggested = ok(&podwiz(&["explain", "-f", CI_AGENT, "--suggest"]));
    let applied = ok(&kubectl(
        &["apply", "--server-side", "-n", &ns, "-f", "-"],
        &suggested,
    ));
    assert!(
        applied.contains("pod/ci-agent-x7k2p serverside-applied"),
        "{applied}"
    );
    // What the server stored is what podwiz printed: read it back live and explain it.
    let kubeconfig = cp.admin_kubeconfig_path().to_string_lossy().into_owned();
    let live: Value = serde_json::from_str(&ok(&podwiz(&[
        "explain",
        "po/ci-agent-x7k2p",
        "-n",
        &ns,
        "--kubeconfig",
        &kubeconfig,
        "-o",
        "json",
    ])))
    .expect("json");
    assert_eq!(live["objects"][0]["mode"]["id"], "rootless-no-priv");
    assert_eq!(live["objects"][0]["pss"]["level"], "baseline");
}
