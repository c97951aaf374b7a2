//! `doctor` against the real control plane: fake Nodes (runtime, fuse resources), namespaces with
//! and without Pod Security labels, and the unprivileged `alice`.

mod support;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, DeleteParams, PostParams};
use podwiz::cluster::advice::Fit;
use podwiz::cluster::doctor::{self, DoctorReport, ModeVerdict, Verdict};
use podwiz::scenario::Mode;
use podwiz::security::pss::{Level, PolicyVersion};
use support::cluster_fixtures as fx;
use support::control_plane as cp;

fn node(name: &str, runtime: &str, fuse: Option<&str>) -> Node {
    node_on(name, runtime, fuse, "test")
}

fn node_on(name: &str, runtime: &str, fuse: Option<&str>, os_image: &str) -> Node {
    let mut allocatable = serde_json::json!({ "cpu": "4", "memory": "8Gi", "pods": "110" });
    if let Some(res) = fuse {
        allocatable[res] = serde_json::json!("1k");
    }
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": { "name": name },
        "status": {
            "allocatable": allocatable,
            "capacity": allocatable,
            "nodeInfo": {
                "containerRuntimeVersion": runtime,
                "kernelVersion": "6.12.0",
                "kubeletVersion": "v1.37.2",
                "kubeProxyVersion": "", "machineID": "", "systemUUID": "", "bootID": "",
                "osImage": os_image, "operatingSystem": "linux", "architecture": "amd64"
            }
        }
    }))
    .expect("node manifest")
}

fn verdict(report: &DoctorReport, mode: Mode) -> &ModeVerdict {
    report
        .verdict(mode)
        .unwrap_or_else(|| panic!("no verdict for {mode}: {report:#?}"))
}

fn has_reason(v: &ModeVerdict, needle: &str) -> bool {
    v.reasons.iter().any(|r| r.contains(needle))
}

#[track_caller]
fn expect(report: &DoctorReport, mode: Mode, want: Verdict, reason: &str) {
    let v = verdict(report, mode);
    assert_eq!(v.verdict, want, "{mode}: {v:#?}");
    assert!(
        has_reason(v, reason),
        "{mode}: no reason containing {reason:?}: {v:#?}"
    );
}

/// All node-dependent cases, sequentially (nodes are cluster-scoped and shared in this binary).
#[tokio::test]
async fn nodes_decide_userns_and_fuse() {
    let ns = cp::fresh_namespace("doctor-nodes");
    let conn = fx::admin_connection(Some(&ns)).await;
    let nodes: Api<Node> = Api::all(conn.client.clone());
    let dp = DeleteParams::default();

    // 0. No node at all: admission is judged, the runtime side is not, and nothing is said to
    //    "work" (no other test of this binary creates nodes).
    let report = doctor::run(&conn, None).await.expect("doctor");
    assert!(report.nodes.nodes.is_empty(), "{:#?}", report.nodes);
    assert_eq!(report.recommended, None, "{report:#?}");
    let advice = &report.advice;
    assert!(advice.safest_now.is_none(), "{advice:#?}");
    assert!(
        advice
            .runtime_not_judged
            .as_deref()
            .is_some_and(|w| w.starts_with("no node is registered")),
        "{advice:#?}"
    );
    let after = advice
        .safest_after_setup
        .as_ref()
        .expect("the admission side is judged");
    assert_eq!((after.mode, after.level), (Mode::Userns, Level::Baseline));
    assert!(!after.root_on_node);
    assert_eq!(
        after.policy_version,
        PolicyVersion::V(37),
        "the server's own"
    );
    for m in &advice.modes {
        let safest = m
            .safest
            .as_ref()
            .expect("nothing is blocked by admission here");
        assert_eq!(safest.fit, Fit::Unjudged, "{m:#?}");
    }
    let text = doctor::render_text(&report);
    assert!(
        text.contains("Safest now: cannot say: no node is registered"),
        "{text}"
    );
    assert!(
        text.contains("Safest after setup: userns (baseline, root on the node: no)"),
        "{text}"
    );
    assert!(!text.contains("best security"), "{text}");
    assert!(!text.contains("— works"), "{text}");
    for v in &report.modes {
        assert_eq!(v.verdict, Verdict::RuntimeNotJudged, "{v:#?}");
        assert!(has_reason(v, "no node is registered"), "{v:#?}");
    }

    // 1. CRI-O 1.31 with squat.ai/fuse: every mode is admitted; userns is best.
    nodes
        .create(
            &PostParams::default(),
            &node("doctor-crio", "cri-o://1.31.0", Some("squat.ai/fuse")),
        )
        .await
        .expect("create node");
    let report = doctor::run(&conn, None).await.expect("doctor");
    assert_eq!(report.recommended, Some(Mode::Userns), "{report:#?}");
    expect(
        &report,
        Mode::Userns,
        Verdict::Works,
        "user namespaces supported by the runtime of node doctor-crio (cri-o://1.31.0)",
    );
    expect(
        &report,
        Mode::Userns,
        Verdict::Works,
        "spec.hostUsers is stable",
    );
    expect(
        &report,
        Mode::RootlessNoPriv,
        Verdict::Works,
        "squat.ai/fuse offered by node doctor-crio",
    );
    expect(
        &report,
        Mode::RootfulPriv,
        Verdict::Works,
        "the API server admits its pod",
    );
    expect(
        &report,
        Mode::Remote,
        Verdict::NeedsSetup,
        "Podman's API socket",
    );
    let ranked: Vec<Mode> = report.modes.iter().map(|m| m.mode).collect();
    assert_eq!(
        ranked,
        [
            Mode::Userns,
            Mode::RootlessNoPriv,
            Mode::RootfulNoPriv,
            Mode::RootlessPriv,
            Mode::RootfulPriv,
            Mode::Remote
        ]
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n == "node doctor-crio: cri-o://1.31.0, squat.ai/fuse"),
        "{:#?}",
        report.notes
    );
    // The advice on a fuse-capable node: userns in its rootless shape works now, at baseline.
    let now = report.advice.safest_now.as_ref().expect("works now");
    assert_eq!((now.mode, now.level), (Mode::Userns, Level::Baseline));
    assert_eq!(now.flags, ["--userns-shape rootless"]);
    assert_eq!(now.fit, Fit::Works);
    assert!(report.advice.safest_after_setup.is_none());
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["advice"]["safest_now"]["mode"], "userns");
    assert_eq!(json["advice"]["safest_now"]["level"], "baseline");
    assert_eq!(json["advice"]["safest_now"]["root_on_node"], false);
    let rootful = json["advice"]["modes"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["mode"] == "rootful-priv"))
        .expect("rootful-priv advised");
    assert_eq!(rootful["safest"]["level"], "privileged");
    assert_eq!(rootful["safest"]["fit"], "works");
    assert!(
        rootful["safest"]["cost"]
            .as_str()
            .is_some_and(|c| c.contains("root on the node")),
        "{rootful:#}"
    );
    let text = doctor::render_text(&report);
    assert!(
        text.contains("Safest now: userns (baseline, root on the node: no) — podwiz generate userns --userns-shape rootless"),
        "{text}"
    );
    nodes.delete("doctor-crio", &dp).await.expect("delete node");

    // 1b. The same node on Ubuntu: AppArmor is likely on; the unprivileged modes need a profile.
    nodes
        .create(
            &PostParams::default(),
            &node_on(
                "doctor-ubuntu",
                "containerd://2.1.4",
                Some("squat.ai/fuse"),
                "Ubuntu 24.04.3 LTS",
            ),
        )
        .await
        .expect("create node");
    let report = doctor::run(&conn, None).await.expect("doctor");
    let after = report
        .advice
        .safest_after_setup
        .as_ref()
        .expect("a local profile keeps baseline");
    assert_eq!(after.level, Level::Baseline);
    assert!(
        after
            .flags
            .contains(&"--apparmor localhost:podwiz-podman".to_string()),
        "{after:#?}"
    );
    let text = doctor::render_text(&report);
    assert!(
        text.contains("AppArmor: AppArmor is likely on for node doctor-ubuntu (Ubuntu 24.04.3 LTS"),
        "{text}"
    );
    nodes
        .delete("doctor-ubuntu", &dp)
        .await
        .expect("delete node");

    // 2. containerd 1.7 without fuse: hostUsers silently ignored, no /dev/fuse.
    nodes
        .create(
            &PostParams::default(),
            &node("doctor-ctrd17", "containerd://1.7.22", None),
        )
        .await
        .expect("create node");
    let report = doctor::run(&conn, None).await.expect("doctor");
    expect(
        &report,
        Mode::Userns,
        Verdict::Blocked,
        "containerd < 2.0 silently ignores hostUsers",
    );
    expect(
        &report,
        Mode::RootlessNoPriv,
        Verdict::NeedsSetup,
        "no node offers squat.ai/fuse or github.com/fuse",
    );
    expect(
        &report,
        Mode::RootfulNoPriv,
        Verdict::NeedsSetup,
        "install the generic device plugin",
    );
    assert_eq!(report.recommended, Some(Mode::RootlessPriv), "{report:#?}");
    assert_eq!(report.modes.last().map(|m| m.mode), Some(Mode::Userns));
    nodes
        .delete("doctor-ctrd17", &dp)
        .await
        .expect("delete node");

    // 3. containerd 2.0.5 with the article's github.com/fuse plugin.
    nodes
        .create(
            &PostParams::default(),
            &node(
                "doctor-ctrd2",
                "containerd://2.0.5",
                Some("github.com/fuse"),
            ),
        )
        .await
        .expect("create node");
    let report = doctor::run(&conn, Some(Mode::Userns))
        .await
        .expect("doctor");
    assert_eq!(report.modes.len(), 1);
    expect(
        &report,
        Mode::Userns,
        Verdict::Works,
        "github.com/fuse offered by node doctor-ctrd2 (use --fuse device-plugin)",
    );
    expect(
        &report,
        Mode::Userns,
        Verdict::Works,
        "doctor-ctrd2 (containerd://2.0.5)",
    );

    // 4. Mixed: containerd 1.7 next to containerd 2.0: pin the pod.
    nodes
        .create(
            &PostParams::default(),
            &node(
                "doctor-ctrd17b",
                "containerd://1.7.22",
                Some("github.com/fuse"),
            ),
        )
        .await
        .expect("create node");
    let report = doctor::run(&conn, Some(Mode::Userns))
        .await
        .expect("doctor");
    expect(
        &report,
        Mode::Userns,
        Verdict::NeedsSetup,
        "pin the pod with a nodeSelector: node doctor-ctrd17b",
    );
    for name in ["doctor-ctrd2", "doctor-ctrd17b"] {
        nodes.delete(name, &dp).await.expect("delete node");
    }
}

#[tokio::test]
async fn baseline_namespace_blocks_the_privileged_modes_with_the_servers_words() {
    let ns = cp::fresh_namespace_with_labels(
        "doctor-baseline",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    let conn = fx::admin_connection(Some(&ns)).await;
    let report = doctor::run(&conn, None).await.expect("doctor");
    assert_eq!(
        report.pod_security.get("enforce").map(String::as_str),
        Some("baseline")
    );
    for mode in [Mode::RootfulPriv, Mode::RootlessPriv] {
        expect(
            &report,
            mode,
            Verdict::Blocked,
            "server-side dry run rejected: pods \"",
        );
        expect(
            &report,
            mode,
            Verdict::Blocked,
            "violates PodSecurity \"baseline:latest\": privileged (container",
        );
    }
    expect(
        &report,
        Mode::RootfulNoPriv,
        Verdict::Blocked,
        "violates PodSecurity \"baseline:latest\": non-default capabilities",
    );
    expect(
        &report,
        Mode::Remote,
        Verdict::Blocked,
        "violates PodSecurity \"baseline:latest\": hostPath volumes",
    );
    expect(
        &report,
        Mode::RootfulPriv,
        Verdict::Blocked,
        "its pod needs level privileged; namespace \"",
    );
    // The rootless non-privileged pod fits baseline: the API server admits it.
    let v = verdict(&report, Mode::RootlessNoPriv);
    assert!(has_reason(v, "the API server admits its pod"), "{v:#?}");
    assert_ne!(v.verdict, Verdict::Blocked, "{v:#?}");
}

#[tokio::test]
async fn unlabelled_namespace_admits_every_mode() {
    let ns = cp::fresh_namespace("doctor-open");
    let conn = fx::admin_connection(Some(&ns)).await;
    let report = doctor::run(&conn, None).await.expect("doctor");
    for v in &report.modes {
        assert!(has_reason(v, "the API server admits its pod"), "{v:#?}");
        assert!(!has_reason(v, "dry run rejected"), "{v:#?}");
    }
    // Nodes come and go in this binary (nodes_decide_userns_and_fuse): with none, the runtime
    // side is not judged; with some, the privileged pod works.
    let want = if report.nodes.nodes.is_empty() {
        Verdict::RuntimeNotJudged
    } else {
        Verdict::Works
    };
    expect(
        &report,
        Mode::RootfulPriv,
        want,
        "its pod needs level privileged; namespace",
    );
    assert!(
        report.access.iter().all(|a| a.allowed == Some(true)),
        "{:#?}",
        report.access
    );
    assert_eq!(report.openshift, Some(false));
    assert!(
        report
            .server_version
            .as_deref()
            .is_some_and(|v| v.starts_with("v1.37."))
    );
}

#[tokio::test]
async fn alice_gets_clear_rbac_answers() {
    let ns = cp::fresh_namespace("doctor-alice");
    let conn = fx::user_connection(Some(&ns)).await;
    let report = doctor::run(&conn, None)
        .await
        .expect("doctor reports, it does not fail");
    assert_eq!(report.recommended, None);
    for v in &report.modes {
        assert_eq!(v.verdict, Verdict::Blocked, "{v:#?}");
        assert!(
            has_reason(
                v,
                &format!(
                    "RBAC: kubeconfig user \"alice\" may not create pods in namespace \"{ns}\""
                )
            ),
            "{v:#?}"
        );
    }
    let create_pods = report
        .access
        .iter()
        .find(|a| a.verb == "create" && a.resource == "pods")
        .expect("create pods checked");
    assert_eq!(create_pods.allowed, Some(false));
    assert!(
        report
            .nodes
            .error
            .as_deref()
            .is_some_and(|e| e.contains("User \"alice\" cannot list resource \"nodes\"")),
        "{:?}",
        report.nodes
    );
    let want = "RBAC: you may not create daemonsets.apps in namespace \"kube-system\" (needed to install the /dev/fuse device plugin)";
    assert!(
        report.notes.iter().any(|n| n == want),
        "{:#?}",
        report.notes
    );
}

#[test]
fn cli_json_output() {
    let ns = cp::fresh_namespace_with_labels(
        "doctor-json",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .arg("doctor")
        .arg("rootful-priv")
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .args(["-n", &ns, "-o", "json"])
        .output()
        .expect("run podwiz doctor");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "no judged mode works");
    assert_eq!(json["modes"][0]["mode"], "rootful-priv");
    assert_eq!(json["modes"][0]["verdict"], "blocked");
    assert_eq!(json["namespace"], ns.as_str());
    assert_eq!(json["context"]["context"], "admin@envtest");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .arg("doctor")
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .args(["-n", &ns])
        .output()
        .expect("run podwiz doctor");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("context admin@envtest (cluster envtest, https://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("rootful-priv — blocked"), "{text}");
}
