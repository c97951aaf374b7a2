//! The binary's front door: output formats, completions, and clear one-line errors with exit
//! code 2 and nothing written for every bad input.

use std::path::Path;
use std::process::{Command, Output};

fn podwiz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run podwiz")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

#[test]
fn modes_lists_the_six_ids_in_text_and_json() {
    let out = podwiz(&["modes"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids,
        [
            "rootful-priv",
            "rootless-priv",
            "rootless-no-priv",
            "rootful-no-priv",
            "remote",
            "userns"
        ]
    );
    let out = podwiz(&["modes", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(6));
    assert_eq!(json[0]["id"], "rootful-priv");
    assert_eq!(json[0]["privileged"], true);
    assert_eq!(json[2]["privileged"], false);
}

#[test]
fn completions_for_bash_zsh_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = podwiz(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        assert!(
            script.contains("generate") && script.contains("fuse"),
            "{shell} completions lack subcommands/flags"
        );
        // clap_complete's fish script does not complete positional values; bash and zsh do.
        if shell != "fish" {
            assert!(
                script.contains("rootless-no-priv"),
                "{shell} completions lack the mode ids"
            );
        }
    }
    let out = podwiz(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_help_lists_every_variant() {
    let out = podwiz(&["generate", "--help"]);
    let help = stdout(&out);
    for word in [
        "hostusers",
        "crio-annotation",
        "device-plugin",
        "generic-device-plugin",
        "crio-devices",
        "emptydir",
        "hostpath:PATH",
        "pvc:NAME",
        "engine-type",
        "host-disabled",
        "kubernetes",
        "openshift",
        "--create-namespace",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}

#[test]
fn generate_yaml_and_json() {
    let out = podwiz(&["generate", "rootless-no-priv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.starts_with("# podwiz generate rootless-no-priv"));
    assert!(yaml.contains("# Your pod: Pod Security level baseline (policy latest)"));
    assert!(yaml.contains("kind: Pod"));
    let out = podwiz(&["generate", "remote", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for key in ["mode", "options", "objects", "host_steps", "usage"] {
        assert!(json.get(key).is_some(), "json lacks {key}");
    }
    assert_eq!(
        json["host_steps"][0]["commands"][0],
        "systemctl enable --now podman.socket"
    );
}

/// Each bad input: (args, text the one-line error must contain).
const BAD_INPUTS: &[(&[&str], &str)] = &[
    (
        &["generate", "rootless-priviledged"],
        "unknown mode 'rootless-priviledged' (did you mean 'rootless-priv'?)",
    ),
    (
        &["generate", "rootful-priv", "--name", "Podman_1"],
        "invalid value 'Podman_1' for '--name': must be a lowercase RFC 1123 subdomain",
    ),
    (
        &["generate", "rootful-priv", "--name", "yes\nno"],
        "for '--name'",
    ),
    (
        &["generate", "rootful-priv", "-n", "a.b"],
        "for '--namespace': must be a lowercase RFC 1123 label",
    ),
    (
        &["generate", "rootful-priv", "--image", "Quay.io/Podman"],
        "invalid value 'Quay.io/Podman' for '--image': not an image reference",
    ),
    (
        &[
            "generate",
            "rootless-no-priv",
            "--storage",
            "hostpath:relative/path",
        ],
        "for '--storage <STORAGE>': the path must be absolute",
    ),
    (
        &[
            "generate",
            "rootless-no-priv",
            "--storage",
            "hostpath:/a/../etc",
        ],
        "must not contain '..'",
    ),
    (
        &["generate", "rootless-no-priv", "--storage", "pvc:Bad"],
        "the claim name must be a lowercase RFC 1123 subdomain",
    ),
    (
        &["generate", "rootless-no-priv", "--storage", "tmpfs"],
        "must be one of: emptydir, hostpath:PATH, pvc:NAME, none",
    ),
    (
        &["generate", "rootless-no-priv", "--fuse", "magic"],
        "invalid value 'magic' for '--fuse <PROVIDER>'",
    ),
    (
        &["generate", "rootful-priv", "--fuse", "device-plugin"],
        "for '--fuse': not used by mode rootful-priv: a privileged pod already sees every host device",
    ),
    (
        &["generate", "remote", "--storage", "emptydir"],
        "for '--storage': not used by mode remote",
    ),
    (
        &["generate", "rootful-priv", "--selinux", "engine-type"],
        "for '--selinux': not used by mode rootful-priv",
    ),
    (
        &["generate", "rootful-no-priv", "--userns", "hostusers"],
        "for '--userns': not used by mode rootful-no-priv",
    ),
    (
        &["generate", "remote", "--selinux", "engine-type"],
        "not usable with mode remote",
    ),
    (
        &["generate", "userns", "--platform", "openshift"],
        "for '--namespace': required with --platform openshift",
    ),
    (
        &["generate", "remote", "--platform", "openshift", "-n", "ci"],
        "needs a custom SCC on OpenShift",
    ),
    (
        &["generate", "rootful-priv", "--create-namespace"],
        "needs -n/--namespace",
    ),
    (&["generate", "rootful-priv", "--", ""], "for '--'"),
    (
        &["generate", "rootful-priv", "-o", "xml"],
        "invalid value 'xml'",
    ),
];

#[test]
fn every_bad_input_is_one_clear_line_exit_2_and_nothing_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, expected) in BAD_INPUTS {
        let out_dir = dir.path().join("out");
        let mut full: Vec<&str> = args.to_vec();
        let out_dir_str = out_dir.to_string_lossy().to_string();
        if full[0] == "generate" && !full.contains(&"--") {
            full.extend(["--out-dir", &out_dir_str]);
        }
        let out = podwiz(&full);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in\n{err}"
        );
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.contains(expected) || err.lines().count() <= 3,
            "{args:?}: the error is not one line:\n{err}"
        );
        assert!(!err.contains("panicked"), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: printed on stdout");
        assert!(!out_dir.exists(), "{args:?}: wrote {}", out_dir.display());
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn out_dir_writes_objects_host_files_script_and_readme_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("userns");
    let out_str = out.to_string_lossy().to_string();
    let run = podwiz(&["generate", "userns", "--article", "--out-dir", &out_str]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(read(&out.join("pod.yaml")).contains("io.kubernetes.cri-o.userns-mode"));
    assert!(
        read(&out.join("fuse-device-plugin.yaml")).contains("soolaugust/fuse-device-plugin:v1.0")
    );
    assert!(
        read(&out.join("host/etc/crio/crio.conf.d/10-userns.conf")).contains("allowed_annotations")
    );
    let script = read(&out.join("host/prepare-node.sh"));
    assert!(script.starts_with("#!/bin/sh"));
    assert!(script.contains("grep -qxF containers:200000:268435456 /etc/subuid"));
    assert!(script.contains("systemctl restart crio"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("host/prepare-node.sh"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "prepare-node.sh is executable");
    }
    let syntax = Command::new("sh")
        .arg("-n")
        .arg(out.join("host/prepare-node.sh"))
        .status()
        .expect("sh -n");
    assert!(syntax.success(), "prepare-node.sh has a shell syntax error");
    let readme = read(&out.join("README.md"));
    assert!(
        readme.contains("1. Prepare the nodes")
            && readme.contains("kubectl apply -f fuse-device-plugin.yaml -f pod.yaml")
    );

    let again = podwiz(&["generate", "userns", "--out-dir", &out_str]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("is not empty (add --force to overwrite)"));
    let forced = podwiz(&["generate", "rootful-priv", "--out-dir", &out_str, "--force"]);
    assert!(forced.status.success());
    assert!(read(&out.join("pod.yaml")).contains("privileged: true"));
}

/// podwiz reads kubeconfigs and holds cluster credentials: it keeps the platform's hardening,
/// a position-independent executable on Linux, so its own code is randomised too (ASLR).
#[cfg(target_os = "linux")]
#[test]
fn the_binary_is_position_independent() {
    let elf = std::fs::read(env!("CARGO_BIN_EXE_podwiz")).expect("read the binary");
    assert_eq!(&elf[..4], b"\x7fELF");
    // e_type: 2 = ET_EXEC (position-dependent), 3 = ET_DYN (PIE).
    let e_type = u16::from_le_bytes([elf[16], elf[17]]);
    assert_eq!(e_type, 3, "the podwiz binary must be a PIE");
}
