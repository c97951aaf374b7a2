//! `podwiz apply --verify` against the real kube-apiserver + etcd (tests/support/control_plane.rs)
//! for what needs no node: a pod that never runs. The shared control plane has no scheduler
//! and no kubelet, so where a test needs their words it writes them itself, through the real
//! API server, exactly as they would: the scheduler's `FailedScheduling` Event and
//! `PodScheduled=False` condition (kube-scheduler v1.37 wording), or the kubelet's
//! `ImagePullBackOff` container state. podwiz watches and reads them like any other client.
//! The runs on a real node (a pod that starts, the smoke test) live in the node tests.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use podwiz::cluster::apply::ApplyPlan;
use podwiz::cluster::client;
use podwiz::cluster::verify::{self, FailedAt, VerifyEvent, VerifyOptions, VerifyTarget};
use podwiz::exit;
use podwiz::scenario::{self, Mode, Options};
use support::control_plane as cp;

/// kube-scheduler's message when no node advertises the fuse device resource.
const UNSCHEDULABLE: &str = "0/1 nodes are available: 1 Insufficient github.com/fuse. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";

fn podwiz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits (watching, not polling) until the pod exists; returns it.
async fn pod_created(pods: &Api<Pod>, name: &str) -> Pod {
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(pod)) = pods.get_opt(name).await {
            return pod;
        }
        let list = pods
            .list(&kube::api::ListParams::default())
            .await
            .expect("list pods");
        let rv = list.metadata.resource_version.unwrap_or_default();
        let params = kube::api::WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(10);
        let mut stream = pods.watch(&params, &rv).await.expect("watch").boxed();
        while let Some(Ok(event)) = stream.next().await {
            if let kube::api::WatchEvent::Added(pod) = event {
                return pod;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pod {name} never created"
        );
    }
}

/// Plays the scheduler: PodScheduled=False with its message, and a FailedScheduling Event.
async fn unschedulable(pods: &Api<Pod>, ns: &str, pod: &Pod) {
    let name = pod.metadata.name.clone().expect("name");
    let status = serde_json::json!({
        "status": {
            "conditions": [{
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": UNSCHEDULABLE,
            }]
        }
    });
    pods.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .expect("patch pod status");
    let events: Api<Event> = Api::namespaced(cp::admin_client().await, ns);
    let event: Event = serde_json::from_value(serde_json::json!({
        "metadata": { "name": format!("{name}.scheduler") },
        "involvedObject": {
            "apiVersion": "v1", "kind": "Pod", "namespace": ns, "name": name,
            "uid": pod.metadata.uid,
        },
        "type": "Warning",
        "reason": "FailedScheduling",
        "message": UNSCHEDULABLE,
        "source": { "component": "default-scheduler" },
        "reportingComponent": "default-scheduler",
        "count": 1,
    }))
    .expect("event");
    events
        .create(&PostParams::default(), &event)
        .await
        .expect("create event");
}

#[test]
fn unschedulable_pod_shows_the_schedulers_message_and_exits_4_with_a_diagnosis() {
    let ns = cp::fresh_namespace("verify-unsched");
    let child = podwiz()
        .args([
            "apply",
            "rootless-no-priv",
            "--yes",
            "--verify",
            "--wait",
            "12",
            "-n",
            &ns,
        ])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run podwiz");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
        let pod = pod_created(&pods, Mode::RootlessNoPriv.default_pod_name()).await;
        // Let the verification start watching before the scheduler "speaks".
        tokio::time::sleep(Duration::from_secs(2)).await;
        unschedulable(&pods, &ns, &pod).await;
    });
    let out = child.wait_with_output().expect("wait for podwiz");
    let (stdout, stderr) = text(&out);
    // Shown with --nocapture: what a user sees.
    println!("{stdout}{stderr}");
    assert_eq!(
        out.status.code(),
        Some(i32::from(exit::NOT_VERIFIED)),
        "{stdout}\n{stderr}"
    );
    // Applied first, then the verification's progress.
    assert!(stdout.contains("Applied to context"), "{stdout}");
    assert!(stdout.contains("Verify pod/"), "{stdout}");
    // The event as it arrived, with the scheduler's own message and the elapsed time.
    let event_line = stdout
        .lines()
        .find(|l| l.contains("event Warning FailedScheduling: 0/1 nodes are available: 1 Insufficient github.com/fuse."))
        .unwrap_or_else(|| panic!("no FailedScheduling line:\n{stdout}"));
    assert!(event_line.trim_start().starts_with('['), "{event_line}");
    assert!(event_line.contains("s]"), "{event_line}");
    // The pod line carries the condition's message too.
    assert!(
        stdout.contains("pod Pending: not scheduled: 0/1 nodes are available"),
        "{stdout}"
    );
    // Elapsed time stays visible while nothing happens.
    assert!(stdout.contains("still waiting (Pending"), "{stdout}");
    // The failure: exact error, then podwiz's diagnosis with the mode that avoids it.
    assert!(
        stdout.contains("NOT VERIFIED after") && stdout.contains("the pod did not reach Running"),
        "{stdout}"
    );
    assert!(
        stdout.contains("podwiz's diagnosis [insufficient-fuse-resource]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Cause: The pod requests a fuse device resource"),
        "{stdout}"
    );
    assert!(stdout.contains("- mode.rootful-priv:"), "{stdout}");
    assert!(
        stderr.contains("but not verified: the pod did not reach Running (exit code 4)"),
        "{stderr}"
    );
    // Applied objects stay: verification failing is not an apply failure.
    let pods: Api<Pod> = runtime.block_on(async { Api::namespaced(cp::admin_client().await, &ns) });
    let still = runtime.block_on(pods.get_opt(Mode::RootlessNoPriv.default_pod_name()));
    assert!(matches!(still, Ok(Some(_))), "{still:?}");
}

#[test]
fn no_scheduler_at_all_is_named_after_the_wait() {
    let ns = cp::fresh_namespace("verify-nosched");
    let out = podwiz()
        .args([
            "apply",
            "rootful-priv",
            "--yes",
            "--verify",
            "--wait",
            "2",
            "-n",
            &ns,
        ])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("not Running after 2 s: Pending: no node has been assigned"),
        "{stdout}"
    );
    assert!(stdout.contains("[no-schedulable-node]"), "{stdout}");
}

#[test]
fn verify_conflicts_with_dry_run_and_bad_images_are_usage_errors() {
    let out = podwiz()
        .args(["apply", "rootful-priv", "--dry-run", "--verify"])
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    assert_eq!(out.status.code(), Some(2));
    let out = podwiz()
        .args([
            "apply",
            "rootful-priv",
            "--yes",
            "--verify-image",
            "x; rm -rf /",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--verify-image"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn a_stuck_image_pull_fails_at_once_with_the_kubelets_words() {
    let ns = cp::fresh_namespace("verify-pull");
    let conn = client::connect(
        &podwiz::cli::ClusterArgs {
            kubeconfig: Some(cp::admin_kubeconfig_path().to_path_buf()),
            context: None,
        },
        Some(&ns),
    )
    .await
    .expect("connect");
    let bundle = scenario::build(Mode::RootfulPriv, &Options::default()).expect("bundle");
    let plan = ApplyPlan::new(conn.info.clone(), &bundle);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    podwiz::cluster::apply::apply(
        &conn,
        &plan,
        &podwiz::cluster::apply::ApplyOptions {
            wait: Duration::ZERO,
            ..Default::default()
        },
        tx,
    )
    .await
    .expect("apply");
    let target = VerifyTarget::of(&plan).expect("a pod");
    assert_eq!(target.namespace, ns);
    assert!(!target.remote);

    // The kubelet's report of a failed pull, as it writes it to the pod's status.
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
    let image = bundle
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .expect("image");
    let status = serde_json::json!({ "status": { "phase": "Pending", "containerStatuses": [{
        "name": target.container, "image": image, "imageID": "", "ready": false,
        "restartCount": 0,
        "state": { "waiting": { "reason": "ImagePullBackOff",
            "message": format!("Back-off pulling image \"{image}\": ErrImagePull: failed to resolve reference") } }
    }]}});
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = VerifyOptions {
        exec_client: None,
        wait: Duration::from_secs(120),
        image: None,
        exec_timeout: verify::EXEC_TIMEOUT,
    };
    let (report, ()) = tokio::join!(verify::verify(&conn, &target, &opts, tx), async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        pods.patch_status(&target.pod, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .expect("patch status");
    });
    let failure = report.failure.clone().expect("not verified");
    assert_eq!(failure.at, FailedAt::NotRunning);
    // Failed on the state itself, not after waiting out the 120 s.
    assert!(!failure.error.contains("not Running after"), "{failure:?}");
    assert!(failure.error.contains("ImagePullBackOff"), "{failure:?}");
    assert_eq!(
        failure.diagnosis.as_ref().map(|d| d.id.as_str()),
        Some("image-pull-failed")
    );
    assert!(report.running_after.is_none());
    let mut phases = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let VerifyEvent::Phase { status, .. } = event {
            phases.push(status.describe());
        }
    }
    assert!(
        phases.iter().any(|p| p.contains("ImagePullBackOff")),
        "{phases:?}"
    );
}
