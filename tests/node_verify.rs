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

/// Mode rootful-no-priv as generated (SYS_ADMIN, MKNOD, SYS_CHROOT, SETFCAP, no NET_ADMIN) on
/// this node: the pod runs and Podman starts, but the inner container's network namespace
/// cannot bring its loopback up (`ioctl(SIOCSIFFLAGS)` needs CAP_NET_ADMIN in the user
/// namespace that owns it, here the node's). `--verify` must say "applied, not verified"
/// (exit 4), quote the runtime's own error and diagnose it, with the mode that avoids it.
#[test]
fn apply_verify_diagnoses_rootful_no_priv_on_the_node() {
    let Some(node) = Node::shared() else {
        return;
    };
    let ns = format!("verify-neg-{}", std::process::id());
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args([
            "apply",
            "rootful-no-priv",
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
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("{stdout}{stderr}");
    println!("{all}");
    assert_eq!(
        out.status.code(),
        Some(i32::from(podwiz::exit::NOT_VERIFIED)),
        "{all}"
    );
    // Applied: the objects stay, the pod reached Running, and the failing step is named.
    assert!(
        all.contains(&format!("pod/{}", Mode::RootfulNoPriv.default_pod_name())),
        "{all}"
    );
    assert!(all.contains("step import"), "{all}");
    assert!(all.contains("smoke test step \"run\" failed"), "{all}");
    // The runtime's own words, then podwiz's diagnosis of them.
    assert!(
        all.contains("ioctl(SIOCSIFFLAGS): Operation not permitted"),
        "{all}"
    );
    assert!(
        all.contains("NET_ADMIN"),
        "diagnosis names the missing capability: {all}"
    );
    assert!(!all.contains("Verified:"), "{all}");
}

/// `podwiz doctor` against the real node: what it reads there (runtime and version, kernel,
/// fuse resources offered by the test device plugin, user-namespace support) is what the
/// node really runs, and its advice follows from it.
#[test]
fn doctor_reads_the_real_node() {
    let Some(node) = Node::shared() else {
        return;
    };
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
            .args(["doctor", "-o", format])
            .arg("--kubeconfig")
            .arg(node.kubeconfig_path())
            .stdin(Stdio::null())
            .output()
            .expect("run podwiz doctor");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}\n{stderr}");
        stdout
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("doctor -o json");
    let nodes = json["nodes"]["nodes"].as_array().expect("nodes.nodes");
    assert_eq!(nodes.len(), 1, "{json:#}");
    let facts = &nodes[0];
    let versions = node.versions();
    // The kubelet reports containerd's version without the tag's "v".
    let containerd = versions["containerd"].trim_start_matches('v');
    assert_eq!(
        facts["container_runtime"].as_str(),
        Some(format!("containerd://{containerd}").as_str()),
        "{facts:#}"
    );
    let kernel = Command::new("uname").arg("-r").output().expect("uname -r");
    let kernel = String::from_utf8_lossy(&kernel.stdout).trim().to_string();
    assert_eq!(facts["kernel_version"].as_str(), Some(kernel.as_str()));
    let fuse: Vec<&str> = facts["fuse_resources"]
        .as_array()
        .expect("fuse_resources")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(fuse, ["squat.ai/fuse", "github.com/fuse"], "{facts:#}");

    // The verdicts follow from those facts: user namespaces work on containerd 2.4, and the
    // unprivileged modes find /dev/fuse offered by the node.
    let mode = |id: &str| {
        json["modes"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["mode"] == id))
            .unwrap_or_else(|| panic!("mode {id} in {json:#}"))
    };
    let reasons = |id: &str| mode(id)["reasons"].to_string();
    let userns =
        format!("user namespaces supported by the runtime of node vm (containerd://{containerd})")
            .replace(
                "node vm",
                &format!("node {}", facts["name"].as_str().unwrap_or("?")),
            );
    assert!(reasons("userns").contains(&userns), "{}", reasons("userns"));
    assert_eq!(mode("userns")["verdict"], "works");
    for id in ["rootless-no-priv", "rootful-no-priv"] {
        assert!(
            reasons(id).contains("/dev/fuse: squat.ai/fuse offered by node"),
            "{id}: {}",
            reasons(id)
        );
    }

    let text = run("text");
    println!("{text}");
    assert!(text.contains(&userns), "{text}");
    assert!(
        text.contains(&format!(
            "containerd://{containerd}, squat.ai/fuse, github.com/fuse"
        )),
        "{text}"
    );
}
