//! `podwiz apply` predicts Pod Security admission at the policy version the API server uses
//! for the target namespace (its `enforce-version` label; `latest` is the server's own version)
//! and the server's dry-run agrees. Against the real kube-apiserver (v1.37) of
//! tests/support/control_plane.rs, in namespaces enforcing baseline at v1.30, v1.34 and latest,
//! with the version-gated verdicts the modes meet: `seLinuxOptions.type: container_engine_t`
//! (allowed at baseline from v1.31) and the `hostUsers: false` relaxations (from v1.35).

mod support;

use std::process::{Command, Output};

use support::control_plane as cp;

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";

fn dry_run(args: &[&str], namespace: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .arg("apply")
        .args(args)
        .args(["-n", namespace, "--dry-run", "--kubeconfig"])
        .arg(cp::admin_kubeconfig_path())
        .env("NO_COLOR", "1")
        .output()
        .expect("run podwiz apply")
}

/// The prediction line and whether the server's dry-run admitted the pod.
fn predicted(args: &[&str], version: &str) -> (String, bool, String) {
    let ns = cp::fresh_namespace_with_labels(
        "psa-version",
        &[(ENFORCE, "baseline"), (ENFORCE_VERSION, version)],
    );
    let out = dry_run(args, &ns);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Pod Security:"))
        .unwrap_or_else(|| panic!("{args:?} in {version}: no prediction:\n{stdout}\n{stderr}"))
        .trim()
        .to_string();
    let rejected = stdout.contains("REJECTED") && stdout.contains("violates PodSecurity");
    // The exit status follows the server: refused when it rejects, success when it admits.
    assert_eq!(
        out.status.success(),
        !rejected,
        "{args:?} in {version}:\n{stdout}\n{stderr}"
    );
    (line, !rejected, ns)
}

fn server() -> String {
    cp::kubernetes_version()
}

#[test]
fn container_engine_t_is_judged_at_the_namespaces_version() {
    let mode = ["rootless-no-priv"];
    let (line, admitted, ns) = predicted(&mode, "v1.30");
    assert_eq!(
        line,
        format!(
            "Pod Security: pod/no-priv is privileged at policy v1.30 (enforce-version v1.30 of namespace \"{ns}\"; server {}); namespace \"{ns}\" enforces baseline: rejected",
            server()
        )
    );
    assert!(!admitted, "the server rejects it at v1.30");

    let (line, admitted, ns) = predicted(&mode, "v1.34");
    assert!(
        line.contains("is baseline at policy v1.34")
            && line.ends_with(&format!("namespace \"{ns}\" enforces baseline: admitted")),
        "{line}"
    );
    assert!(admitted, "the server admits it at v1.34");

    let (line, admitted, ns) = predicted(&mode, "latest");
    let minor = server()
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        line,
        format!(
            "Pod Security: pod/no-priv is baseline at policy v1.{minor} (namespace \"{ns}\" enforces the latest version: the server's, {}); namespace \"{ns}\" enforces baseline: admitted",
            server()
        )
    );
    assert!(admitted);
}

#[test]
fn host_users_false_relaxations_count_from_v1_35() {
    let mode = ["userns", "--userns-shape", "rootless", "--selinux", "none"];
    for (version, level, admitted_want) in [
        ("v1.30", "privileged", false),
        ("v1.34", "privileged", false),
        ("latest", "baseline", true),
    ] {
        let (line, admitted, _) = predicted(&mode, version);
        assert!(
            line.contains(&format!(" is {level} at policy v1.")),
            "{version}: {line}"
        );
        assert!(
            line.ends_with(if admitted_want {
                "enforces baseline: admitted"
            } else {
                "enforces baseline: rejected"
            }),
            "{version}: {line}"
        );
        assert_eq!(admitted, admitted_want, "the server at {version}: {line}");
    }
}

/// A namespace this apply creates: the plan's own Namespace labels decide (podwiz labels the
/// namespaces it creates with the level of its pod, enforce-version latest).
#[test]
fn a_new_namespace_is_judged_by_its_own_labels() {
    let ns = format!("psa-new-{}", std::process::id());
    let out = dry_run(&["rootless-no-priv", "--create-namespace"], &ns);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Pod Security:"))
        .unwrap_or_else(|| panic!("no prediction:\n{stdout}"));
    assert!(line.contains("enforces the latest version"), "{line}");
    assert!(line.trim_end().ends_with(": admitted"), "{line}");
}
