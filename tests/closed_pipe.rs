//! Every subcommand ends quietly when its reader goes away (`podwiz modes | head -1`), as
//! coreutils do: killed by SIGPIPE (the shell's status 141), nothing on stderr, no panic.
//!
//! Two readers: one that closed its end before podwiz starts (the write fails for certain,
//! whatever the pipe buffer holds), and `head -c 1` (reads a little, then goes away).

mod support;

use std::io::Read as _;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};

use support::control_plane as cp;

const SIGPIPE: i32 = 13;

fn podwiz(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podwiz"));
    cmd.args(args).stdin(Stdio::null()).env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` with stdout a pipe whose reading end is already closed.
fn run_into_closed_pipe(mut cmd: Command) -> (ExitStatus, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = cmd
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run podwiz");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cmd` with a reader that takes `keep` bytes, then closes its end.
fn run_into_short_reader(mut cmd: Command, keep: usize) -> (ExitStatus, String, Vec<u8>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn podwiz");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = vec![0u8; keep];
    stdout.read_exact(&mut head).expect("first bytes");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        head,
    )
}

fn assert_quiet_sigpipe(what: &str, status: ExitStatus, stderr: &str) {
    assert_eq!(stderr, "", "{what}: stderr must stay empty");
    assert_eq!(
        status.signal(),
        Some(SIGPIPE),
        "{what}: must end by SIGPIPE like coreutils, got {status:?}"
    );
}

/// A short reader may also have taken everything before going away: then podwiz ends normally.
fn assert_quiet(what: &str, status: ExitStatus, stderr: &str) {
    assert_eq!(stderr, "", "{what}: stderr must stay empty");
    assert!(
        status.signal() == Some(SIGPIPE) || status.success(),
        "{what}: {status:?}"
    );
}

const OFFLINE: &[&[&str]] = &[
    &["modes"],
    &["modes", "-o", "json"],
    &["completions", "zsh"],
    &["completions", "bash"],
    &["generate", "rootless-no-priv"],
    &["generate", "rootful-priv", "-o", "json"],
    &["explain", "userns"],
    &["explain", "rootful-priv", "-o", "json"],
    &["compare"],
    &[
        "troubleshoot",
        "Error:",
        "fuse: device not found, try 'modprobe fuse' first",
    ],
    &[
        "explain",
        "-f",
        "tests/fixtures/manifests/ci-agent-socket.yaml",
    ],
    &["--help"],
    &["generate", "--help"],
];

#[test]
fn offline_commands_end_quietly_into_a_closed_pipe() {
    for args in OFFLINE {
        let what = format!("podwiz {}", args.join(" "));
        let (status, stderr) = run_into_closed_pipe(podwiz(args));
        if args[0] == "--help" || args.last() == Some(&"--help") {
            // clap prints help itself and ignores write errors: quiet, exit 0.
            assert_eq!(stderr, "", "{what}");
            assert!(
                status.success() || status.signal() == Some(SIGPIPE),
                "{what}: {status:?}"
            );
            continue;
        }
        assert_quiet_sigpipe(&what, status, &stderr);
    }
}

#[test]
fn offline_commands_end_quietly_behind_head() {
    for args in OFFLINE {
        let what = format!("podwiz {} | head -c 1", args.join(" "));
        let (status, stderr, head) = run_into_short_reader(podwiz(args), 1);
        assert_eq!(head.len(), 1, "{what}");
        assert_quiet(&what, status, &stderr);
    }
}

/// `head -1` in a real shell pipeline, with `pipefail`: the status the user sees is 141.
#[test]
fn shell_pipeline_reports_141() {
    let bin = env!("CARGO_BIN_EXE_podwiz");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{bin}' generate rootful-priv -o json | (read -r line; echo \"$line\")"
        ))
        .output()
        .expect("bash");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "{");
    // The reader may be gone before or after podwiz's last write: 141 or 0, never 1 or 101.
    let code = out.status.code();
    assert!(code == Some(141) || code == Some(0), "{:?}", out.status);
}

#[test]
fn doctor_and_apply_end_quietly_into_a_closed_pipe() {
    let ns = cp::fresh_namespace("pipe");
    let kubeconfig = cp::admin_kubeconfig_path().display().to_string();
    let (status, stderr) = run_into_closed_pipe(podwiz(&[
        "doctor",
        "-o",
        "json",
        "-n",
        &ns,
        "--kubeconfig",
        &kubeconfig,
    ]));
    assert_quiet_sigpipe("podwiz doctor -o json", status, &stderr);

    let (status, stderr, head) = run_into_short_reader(
        podwiz(&["doctor", "-n", &ns, "--kubeconfig", &kubeconfig]),
        1,
    );
    assert_eq!(head.len(), 1);
    assert_quiet("podwiz doctor | head -c 1", status, &stderr);

    // apply prints its plan to stderr; stdout (progress) is the closed pipe. The apply still
    // completes: a reader going away does not leave half of the objects written.
    let mut cmd = podwiz(&[
        "apply",
        "rootful-priv",
        "-n",
        &ns,
        "--yes",
        "--wait",
        "0",
        "--kubeconfig",
        &kubeconfig,
    ]);
    cmd.stderr(Stdio::piped());
    let (status, stderr) = run_into_closed_pipe(cmd);
    assert_eq!(
        status.signal(),
        Some(SIGPIPE),
        "podwiz apply: {status:?} {stderr}"
    );
    assert!(
        stderr.starts_with("podwiz will server-side apply") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    let out = cp::ControlPlane::shared()
        .kubectl_admin()
        .args(["get", "pods", "-n", &ns, "-o", "name"])
        .output()
        .expect("kubectl");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pod/"),
        "the apply went through: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
