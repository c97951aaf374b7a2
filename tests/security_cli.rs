//! The explain, compare and troubleshoot commands through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use podwiz::security::compare;

fn podwiz(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start podwiz");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("podwiz output")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn explain_json_has_the_contract_keys() {
    let out = podwiz(&["explain", "remote", "-o", "json"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["mode"], "remote");
    assert_eq!(json["pss"]["level"], "privileged");
    assert_eq!(json["pss"]["version"], "latest");
    assert!(json["pss"]["violations"]["baseline"].is_array());
    assert!(json["pss"]["violations"]["restricted"].is_array());
    assert_eq!(json["findings"][0]["id"], "engine-socket");
    assert_eq!(json["findings"][0]["severity"], "critical");
    for key in ["grants", "host_changes", "requirements"] {
        assert!(json[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
}

#[test]
fn explain_text_shows_severity_as_words_and_takes_generate_options() {
    let out = podwiz(&["explain", "rootless-no-priv", "--article"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("Pod Security level: privileged"), "{text}");
    assert!(text.contains("HIGH]"), "{text}");
    assert!(text.contains("hostPath"), "{text}");
    assert!(text.contains("on the node:"), "{text}");
    let out = podwiz(&["explain", "rootless-no-priv"], None);
    assert!(stdout(&out).contains("Pod Security level: baseline"));
    let out = podwiz(
        &["explain", "rootful-priv", "--fuse", "device-plugin"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an option that does not fit is a usage error"
    );
}

#[test]
fn compare_text_fits_100_columns() {
    let text = compare::text_table(&compare::rows());
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let out = podwiz(&["compare"], None);
    assert!(out.status.success());
    assert_eq!(stdout(&out), text);
    for mode in podwiz::scenario::Mode::ALL {
        assert!(text.contains(mode.id()));
    }
}

#[test]
fn compare_json_and_markdown() {
    let out = podwiz(&["compare", "-o", "json"], None);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 6);
    let level = |mode: &str| {
        rows.iter()
            .find(|r| r["mode"] == mode)
            .map(|r| r["pss_level"].clone())
    };
    assert_eq!(level("rootless-no-priv"), Some("baseline".into()));
    assert_eq!(level("rootful-priv"), Some("privileged".into()));
    let remote = rows.iter().find(|r| r["mode"] == "remote").expect("remote");
    assert_eq!(remote["engine_socket"], true);
    assert_eq!(remote["node_root_after_breakout"], true);
    let userns = rows.iter().find(|r| r["mode"] == "userns").expect("userns");
    assert_eq!(userns["node_root_after_breakout"], false);
    assert_eq!(userns["needs_kubernetes_1_33"], true);
    let out = podwiz(&["compare", "-o", "markdown"], None);
    let md = stdout(&out);
    assert!(
        md.lines().any(|l| l.starts_with("| rootful-priv |")),
        "{md}"
    );
}

#[test]
fn troubleshoot_from_argument_and_stdin() {
    let out = podwiz(
        &[
            "troubleshoot",
            "Error:",
            "fuse: device not found, try 'modprobe fuse' first",
        ],
        None,
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("podman #8918") && text.contains("fuse.crio-devices"),
        "{text}"
    );
    let out = podwiz(
        &["troubleshoot", "-"],
        Some("some log line\nError: 'overlay' is not supported over overlayfs\n"),
    );
    assert!(out.status.success());
    assert!(stdout(&out).contains("storage.emptydir"));
}

#[test]
fn troubleshoot_unknown_text_points_to_doctor_and_exits_1() {
    let out = podwiz(&["troubleshoot", "the cluster is on fire"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("podwiz doctor"));
    let out = podwiz(&["troubleshoot"], None);
    assert_eq!(out.status.code(), Some(2));
}

/// The fuse device plugin is a cluster add-on installed once: explain keeps its findings, apart
/// from the pod's, and the headline level is the pod's own.
#[test]
fn explain_separates_your_pod_from_the_cluster_add_on() {
    let out = podwiz(&["explain", "rootless-no-priv"], None);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("Pod Security level: baseline"),
        "the pod's level heads the report:\n{text}"
    );
    let pod = text.find("Findings — your pod (").expect("pod section");
    let addon = text
        .find("Findings — cluster add-on (installed once) (")
        .expect("add-on section");
    assert!(pod < addon, "{text}");
    let addon_part = &text[addon..];
    assert!(
        addon_part
            .contains("daemonset/generic-device-plugin is installed once per cluster by an admin")
    );
    assert!(addon_part.contains("its own Pod Security level is privileged"));
    assert!(addon_part.contains("[!! CRITICAL] Privileged container"));
    let pod_part = &text[pod..addon];
    assert!(!pod_part.contains("daemonset/"), "{pod_part}");

    let out = podwiz(&["explain", "rootless-no-priv", "-o", "json"], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["pss"]["level"], "baseline");
    assert_eq!(json["addon"]["object"], "daemonset/generic-device-plugin");
    assert_eq!(json["addon"]["level"], "privileged");
    // Modes without an add-on say so.
    let out = podwiz(&["explain", "rootful-priv", "-o", "json"], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["addon"], serde_json::Value::Null);
    let text = stdout(&podwiz(&["explain", "rootful-priv"], None));
    assert!(!text.contains("cluster add-on"), "{text}");
}

/// --apparmor: what each choice writes, and what it costs.
#[test]
fn apparmor_choices_say_what_they_mean() {
    let json = |args: &[&str]| -> serde_json::Value {
        let out = podwiz(args, None);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let explained = json(&[
        "explain",
        "rootless-no-priv",
        "--apparmor",
        "unconfined",
        "-o",
        "json",
    ]);
    assert_eq!(explained["pss"]["level"], "privileged");
    assert!(
        explained["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["id"] == "apparmor-unconfined"))
    );
    let explained = json(&[
        "explain",
        "rootless-no-priv",
        "--apparmor",
        "localhost:podwiz-podman",
        "-o",
        "json",
    ]);
    assert_eq!(explained["pss"]["level"], "baseline");
    let generated = json(&[
        "generate",
        "rootless-no-priv",
        "--apparmor",
        "localhost:podwiz-podman",
        "-o",
        "json",
    ]);
    let pod = generated["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "Pod"))
        .expect("pod")
        .clone();
    assert_eq!(
        pod["spec"]["containers"][0]["securityContext"]["appArmorProfile"],
        serde_json::json!({"type": "Localhost", "localhostProfile": "podwiz-podman"})
    );
    let step = generated["host_steps"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["title"].as_str().is_some_and(|t| t.contains("AppArmor")))
        })
        .expect("the profile is a host step")
        .clone();
    assert!(
        step["title"]
            .as_str()
            .unwrap_or_default()
            .contains("not verified")
    );
    assert!(
        step["why"]
            .as_str()
            .unwrap_or_default()
            .contains("CONFIG_SECURITY_APPARMOR is not set")
    );
    assert_eq!(step["files"][0]["path"], "/etc/apparmor.d/podwiz-podman");
    let profile = step["files"][0]["content"].as_str().unwrap_or_default();
    assert!(profile.contains("profile podwiz-podman flags=(attach_disconnected,mediate_deleted)"));
    assert!(profile.contains("mount fstype=fuse.fuse-overlayfs,"));
    assert!(!profile.contains("deny mount,"));
    // The runtime default writes nothing into the pod (naming it would be refused on nodes
    // without AppArmor).
    let generated = json(&["generate", "rootless-no-priv", "-o", "json"]);
    let text = generated.to_string();
    assert!(!text.contains("appArmorProfile"), "{text}");
    // Not for the privileged modes, and a bad profile name is one clear line.
    let out = podwiz(
        &["generate", "rootful-priv", "--apparmor", "unconfined"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runs unconfined by AppArmor anyway"));
    let out = podwiz(
        &["generate", "userns", "--apparmor", "localhost:../etc/x"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--apparmor") && err.contains("the profile name must be"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
