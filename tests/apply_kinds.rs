//! `apply --kind job|deployment|statefulset|cronjob` against the real kube-apiserver + etcd of
//! tests/support/control_plane.rs.
//!
//! That control plane runs no kube-controller-manager and no node: workloads are stored but no
//! controller makes their pods. So these tests assert what the API server itself decides (the
//! objects as stored, Pod Security warnings on the template, the rejection of the pod the
//! controller would create), and play the controller's part by hand to check that `--wait`
//! follows the workload's pod.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams, PostParams};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::Connection;
use podwiz::cluster::apply::{
    self, ApplyError, ApplyEvent, ApplyOptions, ApplyPlan, ApplyReport, Outcome,
};
use podwiz::cluster::client;
use podwiz::scenario::workload::{NAME_LABEL, controller_pod};
use podwiz::scenario::{self, Fuse, Kind, Mode, Object, Options, Platform};
use support::control_plane as cp;

const KINDS: [Kind; 4] = [
    Kind::Job,
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::CronJob,
];

async fn admin(namespace: &str) -> Connection {
    let args = ClusterArgs {
        kubeconfig: Some(cp::admin_kubeconfig_path().to_path_buf()),
        context: None,
    };
    client::connect(&args, Some(namespace))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

/// A bundle without a shared fuse DaemonSet in kube-system (CRI-O's annotation instead).
fn options(kind: Kind) -> Options {
    Options {
        kind: Some(kind),
        fuse: Some(Fuse::CrioDevices),
        ..Options::default()
    }
}

fn plan(conn: &Connection, mode: Mode, options: &Options) -> ApplyPlan {
    let bundle = scenario::build(mode, options).unwrap_or_else(|e| panic!("build: {e}"));
    ApplyPlan::new(conn.info.clone(), &bundle)
}

async fn run(
    conn: &Connection,
    plan: &ApplyPlan,
    opts: &ApplyOptions,
) -> (Result<ApplyReport, ApplyError>, Vec<ApplyEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let result = apply::apply(conn, plan, opts, tx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

fn real() -> ApplyOptions {
    ApplyOptions::default()
}

/// The pod template's spec as the API server stored it.
async fn stored_template_spec(
    client: &kube::Client,
    object: &Object,
) -> k8s_openapi::api::core::v1::PodSpec {
    let ns = object.namespace().unwrap_or("default");
    let name = object.name();
    let template = match object {
        Object::Job(_) => Api::<Job>::namespaced(client.clone(), ns)
            .get(name)
            .await
            .map(|j| j.spec.map(|s| s.template)),
        Object::Deployment(_) => Api::<Deployment>::namespaced(client.clone(), ns)
            .get(name)
            .await
            .map(|d| Some(d.spec.template)),
        Object::StatefulSet(_) => Api::<StatefulSet>::namespaced(client.clone(), ns)
            .get(name)
            .await
            .map(|s| Some(s.spec.template)),
        Object::CronJob(_) => Api::<CronJob>::namespaced(client.clone(), ns)
            .get(name)
            .await
            .map(|c| c.spec.job_template.spec.map(|j| j.template)),
        other => panic!("not a workload: {}", other.reference()),
    }
    .unwrap_or_else(|e| panic!("read back {}: {e}", object.reference()));
    template
        .and_then(|t| t.spec)
        .unwrap_or_else(|| panic!("{}: no template spec", object.reference()))
}

#[tokio::test]
async fn every_kind_is_applied_stored_with_its_template_and_reapplied_unchanged() {
    for kind in KINDS {
        let ns = cp::fresh_namespace(&format!("kind-{kind}"));
        let conn = admin(&ns).await;
        let plan = plan(&conn, Mode::Userns, &options(kind));
        let index = plan.pod_index().expect("a workload");
        let workload = &plan.objects[index];
        assert_eq!(
            workload.kind().to_ascii_lowercase(),
            kind.to_string(),
            "{kind}"
        );

        let (result, _) = run(&conn, &plan, &real()).await;
        let report = result.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(report.objects[index].outcome, Outcome::Created, "{kind}");
        assert_eq!(report.pod, None, "{kind}: --wait 0 does not watch");

        // The server keeps the template as sent: the user namespace, SYS_ADMIN and the CRI-O
        // annotation are on the pod template.
        let spec = stored_template_spec(&conn.client, workload).await;
        assert_eq!(spec.host_users, Some(false), "{kind}");
        let caps = spec.containers[0]
            .security_context
            .as_ref()
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.clone())
            .unwrap_or_default();
        assert!(caps.contains(&"SYS_ADMIN".to_string()), "{kind}: {caps:?}");
        if matches!(kind, Kind::Job | Kind::CronJob) {
            assert_eq!(spec.restart_policy.as_deref(), Some("Never"), "{kind}");
        }

        let (again, _) = run(&conn, &plan, &real()).await;
        let again = again.unwrap_or_else(|e| panic!("{kind} again: {e}"));
        assert_eq!(again.objects[index].outcome, Outcome::Unchanged, "{kind}");
    }
}

#[tokio::test]
async fn the_template_gets_pod_security_warnings_and_a_rejected_pod_stops_the_apply() {
    let labels = [
        ("pod-security.kubernetes.io/enforce", "baseline"),
        ("pod-security.kubernetes.io/warn", "restricted"),
    ];
    for kind in KINDS {
        // A template that fits baseline: applied, with the API server's restricted warnings on
        // the workload (Pod Security admission checks templates, in warn mode only).
        let ns = cp::fresh_namespace_with_labels(&format!("kind-psa-{kind}"), &labels);
        let conn = admin(&ns).await;
        let plan = plan(&conn, Mode::RootlessNoPriv, &options(kind));
        let index = plan.pod_index().expect("a workload");
        let (result, _) = run(&conn, &plan, &real()).await;
        let report = result.unwrap_or_else(|e| panic!("{kind} rootless-no-priv in baseline: {e}"));
        assert!(
            report.objects[index]
                .warnings
                .iter()
                .any(|w| w.starts_with("would violate PodSecurity \"restricted:latest\"")),
            "{kind}: {:?}",
            report.objects[index].warnings
        );

        // A privileged template: the API server alone would store the workload (enforce does
        // not apply to templates) and the controller's pods would fail later, unseen. podwiz
        // dry-runs the pod the controller would create and refuses.
        let plan = self::plan(
            &conn,
            Mode::RootfulPriv,
            &Options {
                kind: Some(kind),
                ..Options::default()
            },
        );
        let index = plan.pod_index().expect("a workload");
        let workload = plan.objects[index].clone();
        let pod = controller_pod(&workload).expect("controller pod");
        let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
        let direct = pods
            .create(
                &PostParams {
                    dry_run: true,
                    ..PostParams::default()
                },
                &pod,
            )
            .await;
        assert!(
            matches!(&direct, Err(kube::Error::Api(s)) if s.code == 403),
            "{kind}: the API server itself rejects that pod: {direct:?}"
        );
        let (result, events) = run(&conn, &plan, &real()).await;
        let Err(ApplyError::Rejected { failures }) = result else {
            panic!("{kind}: expected a rejection, got {result:?}");
        };
        assert_eq!(failures[0].reference, workload.reference());
        let message = &failures[0].message;
        assert!(
            message.contains(&format!(
                "the pods this {} creates would be rejected",
                workload.kind()
            )) && message.contains("violates PodSecurity \"baseline:latest\": privileged"),
            "{kind}: {message}"
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ApplyEvent::Applying { .. })),
            "{kind}: nothing written"
        );
    }
}

#[tokio::test]
async fn wait_follows_the_pod_the_controller_makes() {
    let ns = cp::fresh_namespace("kind-wait");
    let conn = admin(&ns).await;
    let plan = plan(&conn, Mode::Userns, &options(Kind::Deployment));
    let index = plan.pod_index().expect("a workload");
    let workload = plan.objects[index].clone();

    // No controller-manager: no pod ever comes, and --wait says so.
    let quick = ApplyOptions {
        wait: Duration::from_secs(2),
        ..ApplyOptions::default()
    };
    let (result, _) = run(&conn, &plan, &quick).await;
    let report = result.unwrap_or_else(|e| panic!("apply: {e}"));
    let status = report.pod.expect("watched");
    assert!(status.timed_out, "{status:?}");
    assert!(
        status
            .describe()
            .contains("no pod yet: the deployment controller has not created one"),
        "{}",
        status.describe()
    );

    // Play the controller: make its pod (on a node that does not exist), then mark it running.
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
    let controller = {
        let pods = pods.clone();
        let mut pod = controller_pod(&workload).expect("controller pod");
        async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if let Some(spec) = pod.spec.as_mut() {
                spec.node_name = Some("node-1".into());
            }
            let created = pods
                .create(&PostParams::default(), &pod)
                .await
                .expect("create pod");
            let name = created.metadata.name.clone().expect("generated name");
            tokio::time::sleep(Duration::from_millis(500)).await;
            let status = serde_json::json!({"status": {"phase": "Running"}});
            pods.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
                .await
                .expect("patch status");
            name
        }
    };
    let long = ApplyOptions {
        wait: Duration::from_secs(20),
        ..ApplyOptions::default()
    };
    let ((result, events), name) = tokio::join!(run(&conn, &plan, &long), controller);
    let report = result.unwrap_or_else(|e| panic!("apply: {e}"));
    let status = report.pod.expect("watched");
    assert!(!status.timed_out, "{status:?}");
    assert_eq!(status.describe(), "Running on node node-1");
    assert!(name.starts_with(&format!("{}-", workload.name())), "{name}");
    let phases: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            ApplyEvent::PodPhase { status } => Some(status.phase.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        phases.last().map(String::as_str),
        Some("Running"),
        "{phases:?}"
    );
    // The pod carries the workload's label: that is how the watch found it.
    let pod = pods.get(&name).await.expect("pod");
    assert_eq!(
        pod.metadata
            .labels
            .unwrap_or_default()
            .get(NAME_LABEL)
            .map(String::as_str),
        Some(workload.name())
    );
}

#[tokio::test]
async fn a_failed_write_rolls_back_a_workload_bundle() {
    let ns = cp::fresh_namespace("kind-rollback");
    let conn = admin(&ns).await;
    let options = Options {
        kind: Some(Kind::Job),
        platform: Some(Platform::Openshift),
        namespace: Some(ns.clone()),
        ..Options::default()
    };
    let plan = plan(&conn, Mode::Userns, &options);
    let rb = plan
        .objects
        .iter()
        .position(|o| matches!(o, Object::RoleBinding(_)))
        .expect("a RoleBinding");
    let (result, _) = run(
        &conn,
        &plan,
        &ApplyOptions {
            fail_write: Some(rb),
            ..real()
        },
    )
    .await;
    let Err(ApplyError::WriteFailed { left_behind, .. }) = result else {
        panic!("expected a failed write, got {result:?}");
    };
    assert!(left_behind.is_empty(), "{left_behind:?}");
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &ns);
    let job = plan.objects[plan.pod_index().expect("job")]
        .name()
        .to_string();
    assert!(
        jobs.get_opt(&job).await.expect("get").is_none(),
        "the Job is not left behind"
    );
}

#[test]
fn cli_applies_a_cronjob_and_says_how_to_start_a_run() {
    let ns = cp::fresh_namespace("kind-cli");
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args([
            "apply",
            "userns",
            "--kind",
            "cronjob",
            "--fuse",
            "crio-devices",
            "--yes",
            "--wait",
            "1",
            "-n",
            &ns,
        ])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("cronjob/podman-userns (namespace"),
        "{stderr}"
    );
    assert!(
        stdout.contains("created   cronjob/podman-userns"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "cronjob/podman-userns: Pending: no pod yet: the CronJob runs on its schedule"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "kubectl create -n {ns} job podman-userns-manual --from=cronjob/podman-userns"
        )) && stdout.contains(&format!(
            "kubectl exec -n {ns} -it job/podman-userns-manual -- sh"
        )),
        "{stdout}"
    );
}
