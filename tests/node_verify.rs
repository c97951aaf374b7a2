//! `podwiz apply --verify` on the real node (tests/support/node.rs: kubelet + containerd + runc,
//! the Podman image served from a loopback registry): the smoke test passes for
//! rootless-no-priv, and the time from apply to "Verified" is printed (a measurement, not a
//! timed assertion).

mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

use podwiz::scenario::Mode;
use support::node::Node;

#[test]
fn apply_verify_passes_for_rootless_no_priv_on_the_node() {
    let Some(node) = Node::shared() else {
        return;
    };
    let ns = format!("verify-node-{}", std::process::id());
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args([
            "apply",
            "rootless-no-priv",
            "--yes",
            "--create-namespace",
            "--verify",
            "-n",
            &ns,
        ])
        .arg("--kubeconfig")
        .arg(node.kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}{stderr}");
    eprintln!(
        "apply --verify rootless-no-priv: {:.1}s from apply to the verdict",
        elapsed.as_secs_f64()
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Verified: Podman imported and ran a container"),
        "{stdout}"
    );
    for step in ["step userns", "step import", "step run"] {
        assert!(stdout.contains(step), "{step}: {stdout}");
    }
    assert!(stdout.contains(&format!("pod/{}", Mode::RootlessNoPriv.default_pod_name())));
}
