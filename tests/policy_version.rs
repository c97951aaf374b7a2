//! `--policy-version` on generate, explain and compare, through the real binary: the verdicts the
//! modes meet change at the policy versions upstream changed them (container_engine_t allowed at
//! baseline from v1.31; the hostUsers: false relaxations from v1.35).

use std::process::{Command, Output};

fn podwiz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("start podwiz")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = podwiz(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn explain_level(mode: &str, extra: &[&str], version: &str) -> (String, Vec<String>) {
    let mut args = vec!["explain", mode, "-o", "json", "--policy-version", version];
    args.extend_from_slice(extra);
    let report = json(&args);
    assert_eq!(report["pss"]["version"], version, "{args:?}");
    let baseline = report["pss"]["violations"]["baseline"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (
        report["pss"]["level"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        baseline,
    )
}

#[test]
fn container_engine_t_reaches_baseline_from_v1_31() {
    // rootless-no-priv's default writes seLinuxOptions.type: container_engine_t.
    let (level, violations) = explain_level("rootless-no-priv", &[], "v1.30");
    assert_eq!(level, "privileged");
    assert!(
        violations
            .iter()
            .any(|v| v.contains("seLinuxOptions") && v.contains("container_engine_t")),
        "{violations:#?}"
    );
    let (level, violations) = explain_level("rootless-no-priv", &[], "v1.31");
    assert_eq!(level, "baseline", "{violations:#?}");
    assert!(violations.is_empty());
    // Without the SELinux type the pod is baseline at either version.
    let (level, _) = explain_level("rootless-no-priv", &["--selinux", "none"], "v1.30");
    assert_eq!(level, "baseline");
}

#[test]
fn host_users_false_relaxes_proc_mount_from_v1_35() {
    // userns' rootless shape: procMount: Unmasked under spec.hostUsers: false.
    let shape = ["--userns-shape", "rootless", "--selinux", "none"];
    let (level, violations) = explain_level("userns", &shape, "v1.34");
    assert_eq!(level, "privileged");
    assert!(
        violations.iter().any(|v| v.contains("procMount")),
        "{violations:#?}"
    );
    let (level, violations) = explain_level("userns", &shape, "v1.35");
    assert_eq!(level, "baseline", "{violations:#?}");
    let (level, _) = explain_level("userns", &shape, "latest");
    assert_eq!(level, "baseline");
}

#[test]
fn generate_and_compare_judge_at_the_chosen_version() {
    let out = podwiz(&["generate", "rootless-no-priv", "--policy-version", "v1.30"]);
    assert!(out.status.success());
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        yaml.lines()
            .any(|l| l == "# Your pod: Pod Security level privileged (policy v1.30)"),
        "{yaml}"
    );
    let generated = json(&[
        "generate",
        "rootless-no-priv",
        "-o",
        "json",
        "--policy-version",
        "v1.31",
    ]);
    assert_eq!(generated["security"]["level"], "baseline");
    assert_eq!(generated["security"]["version"], "v1.31");

    let level_of = |rows: &serde_json::Value, mode: &str| {
        rows.as_array()
            .and_then(|rows| rows.iter().find(|r| r["mode"] == mode))
            .map(|r| r["pss_level"].clone())
    };
    let old = json(&["compare", "-o", "json", "--policy-version", "v1.30"]);
    let new = json(&["compare", "-o", "json", "--policy-version", "v1.31"]);
    assert_eq!(
        level_of(&old, "rootless-no-priv"),
        Some("privileged".into())
    );
    assert_eq!(level_of(&new, "rootless-no-priv"), Some("baseline".into()));
}

#[test]
fn a_bad_policy_version_is_one_clear_line() {
    for bad in ["v2.1", "1", "newest", "v1.031"] {
        let out = podwiz(&["explain", "userns", "--policy-version", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--policy-version") && err.contains("must be \"latest\" or \"v1.x\""),
            "{bad}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}
