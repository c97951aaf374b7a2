//! `podwiz apply` against a real kube-apiserver + etcd (tests/support/control_plane.rs).
//!
//! Each test uses its own fresh namespace; the fuse DaemonSets live in kube-system and are
//! shared (server-side apply is idempotent, and only a test that created one could roll it
//! back: the rollback tests make sure it existed before).

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, Patch, PatchParams};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::Connection;
use podwiz::cluster::apply::{
    self, ApplyError, ApplyEvent, ApplyOptions, ApplyPlan, ApplyReport, Outcome,
};
use podwiz::cluster::client;
use podwiz::scenario::{Fuse, Mode, Object, Options, Platform};
use podwiz::security;
use serde::de::DeserializeOwned;
use support::control_plane as cp;

// ---- helpers -------------------------------------------------------------------------------

fn cluster_args(kubeconfig: &Path) -> ClusterArgs {
    ClusterArgs {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        context: None,
    }
}

async fn connect_as(kubeconfig: &Path, namespace: Option<&str>) -> Connection {
    client::connect(&cluster_args(kubeconfig), namespace)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

async fn admin(namespace: &str) -> Connection {
    connect_as(cp::admin_kubeconfig_path(), Some(namespace)).await
}

fn plan(conn: &Connection, mode: Mode, options: &Options) -> ApplyPlan {
    let bundle = security::build(mode, options).unwrap_or_else(|e| panic!("build {mode:?}: {e}"));
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

fn dry() -> ApplyOptions {
    ApplyOptions {
        dry_run: true,
        ..ApplyOptions::default()
    }
}

fn real() -> ApplyOptions {
    ApplyOptions::default()
}

/// A name nobody uses yet (for namespaces the apply itself creates).
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos & 0xffff
    )
}

/// The object's metadata as the API server has it; None if absent.
async fn server_meta(client: &kube::Client, object: &Object) -> Option<ObjectMeta> {
    async fn get<K>(api: Api<K>, name: &str) -> kube::Result<Option<ObjectMeta>>
    where
        K: Clone + DeserializeOwned + std::fmt::Debug,
    {
        Ok(api.get_metadata_opt(name).await?.map(|o| o.metadata))
    }
    let ns = object.namespace().unwrap_or("default");
    let name = object.name();
    match object {
        Object::Namespace(_) => get(Api::<Namespace>::all(client.clone()), name).await,
        Object::ServiceAccount(_) => {
            get(Api::<ServiceAccount>::namespaced(client.clone(), ns), name).await
        }
        Object::RoleBinding(_) => {
            get(Api::<RoleBinding>::namespaced(client.clone(), ns), name).await
        }
        Object::DaemonSet(_) => get(Api::<DaemonSet>::namespaced(client.clone(), ns), name).await,
        Object::Pod(_) => get(Api::<Pod>::namespaced(client.clone(), ns), name).await,
        Object::Job(_) => get(Api::<Job>::namespaced(client.clone(), ns), name).await,
        Object::Deployment(_) => get(Api::<Deployment>::namespaced(client.clone(), ns), name).await,
        Object::StatefulSet(_) => {
            get(Api::<StatefulSet>::namespaced(client.clone(), ns), name).await
        }
        Object::CronJob(_) => get(Api::<CronJob>::namespaced(client.clone(), ns), name).await,
    }
    .unwrap_or_else(|e| panic!("read back {}: {e}", object.reference()))
}

/// resourceVersion and whether `podwiz` manages the object with Apply; None if absent.
async fn read_back(client: &kube::Client, object: &Object) -> Option<(String, bool)> {
    let meta = server_meta(client, object).await?;
    let managed =
        meta.managed_fields.unwrap_or_default().iter().any(|m| {
            m.manager.as_deref() == Some("podwiz") && m.operation.as_deref() == Some("Apply")
        });
    Some((meta.resource_version.unwrap_or_default(), managed))
}

/// Absent, or a Namespace that is terminating (no namespace controller in the test cluster).
async fn gone(client: &kube::Client, object: &Object) -> bool {
    match server_meta(client, object).await {
        None => true,
        Some(meta) => matches!(object, Object::Namespace(_)) && meta.deletion_timestamp.is_some(),
    }
}

fn podwiz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_podwiz"))
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_no_secrets(s: &str) {
    for needle in [
        "PRIVATE KEY",
        "BEGIN CERTIFICATE",
        "client-key-data",
        "client-certificate-data",
        "token",
    ] {
        assert!(!s.contains(needle), "output contains {needle:?}:\n{s}");
    }
}

fn options_for(mode: Mode, platform: Platform, ns: &str) -> Options {
    Options {
        platform: Some(platform),
        // OpenShift's RoleBinding names the namespace: the bundle needs -n.
        namespace: (platform == Platform::Openshift).then(|| ns.to_string()),
        // rootless-no-priv on OpenShift defaults to CRI-O devices; keep a DaemonSet in play.
        fuse: (!mode.is_privileged() && mode != Mode::Remote && platform == Platform::Openshift)
            .then_some(Fuse::GenericDevicePlugin),
        ..Options::default()
    }
}

// ---- every mode ----------------------------------------------------------------------------

/// Runs `check` for every mode on both platforms that has a bundle (rootful-no-priv has no
/// OpenShift variant), all at once, each in a fresh namespace named after `prefix` and the mode,
/// with an admin connection and the plan of the mode's bundle in that namespace.
async fn for_every_mode<F, Fut>(prefix: &str, check: F)
where
    F: Fn(Mode, Platform, String, Connection, ApplyPlan) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let check = &check;
    let checks = Mode::ALL
        .iter()
        .flat_map(|&mode| [Platform::Kubernetes, Platform::Openshift].map(|p| (mode, p)))
        .filter(|&(mode, platform)| {
            security::build(mode, &options_for(mode, platform, "x")).is_ok()
        })
        .map(|(mode, platform)| async move {
            let ns = cp::fresh_namespace(&format!("{prefix}-{}", mode.id()));
            let conn = admin(&ns).await;
            let plan = plan(&conn, mode, &options_for(mode, platform, &ns));
            check(mode, platform, ns, conn, plan).await;
        });
    futures::future::join_all(checks).await;
}

#[tokio::test]
async fn dry_run_of_every_mode_is_accepted_and_writes_nothing() {
    for_every_mode("dry", |mode, platform, ns, conn, plan| async move {
        let (result, events) = run(&conn, &plan, &dry()).await;
        let report = result.unwrap_or_else(|e| panic!("{mode:?}/{platform:?}: {e}"));
        assert!(report.dry_run);
        for (i, r) in report.objects.iter().enumerate() {
            assert_eq!(r.outcome, Outcome::Validated, "{mode:?}: {}", r.reference);
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, ApplyEvent::DryRunOk { index, .. } if *index == i)),
                "no DryRunOk for {}",
                r.reference
            );
        }
        for object in plan.objects.iter().filter(|o| o.namespace() == Some(&ns)) {
            assert!(
                gone(&conn.client, object).await,
                "{mode:?}: dry-run wrote {}",
                object.reference()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn apply_every_mode_reads_back_and_reapply_changes_nothing() {
    for_every_mode("apply", |mode, platform, ns, conn, plan| async move {
        let (result, _) = run(&conn, &plan, &real()).await;
        let report = result.unwrap_or_else(|e| panic!("{mode:?}/{platform:?}: {e}"));
        assert!(report.pod.is_none(), "wait 0: no watch");
        let mut versions = Vec::new();
        for (object, r) in plan.objects.iter().zip(&report.objects) {
            if object.namespace() == Some(&ns) {
                assert_eq!(r.outcome, Outcome::Created, "{}", r.reference);
            }
            let (rv, managed) = read_back(&conn.client, object)
                .await
                .unwrap_or_else(|| panic!("{mode:?}: {} missing", object.reference()));
            // A ServiceAccount applied with nothing but its name owns no field, and the
            // API server drops empty managedFields entries.
            assert!(
                managed || matches!(object, Object::ServiceAccount(_)),
                "{}: no podwiz Apply manager",
                object.reference()
            );
            versions.push(rv);
        }
        // Again: nothing changes.
        let (again, _) = run(&conn, &plan, &real()).await;
        let again = again.unwrap_or_else(|e| panic!("re-apply {mode:?}: {e}"));
        for (i, object) in plan.objects.iter().enumerate() {
            assert_eq!(
                again.objects[i].outcome,
                Outcome::Unchanged,
                "{}",
                object.reference()
            );
            let (rv, _) = read_back(&conn.client, object).await.unwrap_or_default();
            assert_eq!(
                rv,
                versions[i],
                "{}: resourceVersion moved",
                object.reference()
            );
        }
    })
    .await;
}

// ---- a namespace created by the apply (kubernetes #83562) ----------------------------------

#[tokio::test]
async fn new_namespace_defers_dry_run_then_applies() {
    let ns = unique("apply-newns");
    let conn = admin("default").await;
    let options = Options {
        namespace: Some(ns.clone()),
        create_namespace: true,
        platform: Some(Platform::Openshift),
        ..Options::default()
    };
    let plan = plan(&conn, Mode::RootfulPriv, &options);
    assert!(matches!(plan.objects[0], Object::Namespace(_)));

    let (result, events) = run(&conn, &plan, &dry()).await;
    let report = result.unwrap_or_else(|e| panic!("dry-run: {e}"));
    assert_eq!(report.objects[0].outcome, Outcome::Validated);
    for (i, r) in report.objects.iter().enumerate().skip(1) {
        assert!(
            matches!(&r.outcome, Outcome::NotValidated { reason } if reason.contains("does not exist yet")),
            "{}: {:?}",
            r.reference,
            r.outcome
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ApplyEvent::DryRunDeferred { index, .. } if *index == i))
        );
    }
    assert!(
        gone(&conn.client, &plan.objects[0]).await,
        "dry-run created the namespace"
    );

    let (result, events) = run(&conn, &plan, &real()).await;
    let report = result.unwrap_or_else(|e| panic!("apply: {e}"));
    for (object, r) in plan.objects.iter().zip(&report.objects) {
        assert_eq!(r.outcome, Outcome::Created, "{}", r.reference);
        assert!(read_back(&conn.client, object).await.is_some());
    }
    // The deferred objects were validated after the namespace existed.
    for i in 1..plan.objects.len() {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ApplyEvent::DryRunOk { index, .. } if *index == i)),
            "no late dry-run for {}",
            plan.label(i)
        );
    }
}

// ---- Pod Security --------------------------------------------------------------------------

#[tokio::test]
async fn baseline_namespace_rejects_privileged_modes_with_the_servers_message() {
    for mode in [Mode::RootfulPriv, Mode::RootlessPriv] {
        let ns = cp::fresh_namespace_with_labels(
            "apply-baseline",
            &[("pod-security.kubernetes.io/enforce", "baseline")],
        );
        let conn = admin(&ns).await;
        let plan = plan(&conn, mode, &Options::default());
        for opts in [dry(), real()] {
            let (result, events) = run(&conn, &plan, &opts).await;
            let Err(ApplyError::Rejected { failures }) = result else {
                panic!("{mode:?}: expected a rejection, got {result:?}");
            };
            let pod = &failures[0];
            assert_eq!(
                pod.reference,
                plan.objects[plan.pod_index().unwrap_or(0)].reference()
            );
            assert!(
                pod.message
                    .contains("violates PodSecurity \"baseline:latest\": privileged ("),
                "{}",
                pod.message
            );
            assert!(
                pod.message.starts_with("forbidden: pods "),
                "{}",
                pod.message
            );
            assert!(events.iter().any(
                |e| matches!(e, ApplyEvent::DryRunFailed { message, .. } if message == &pod.message)
            ));
            assert!(
                !events
                    .iter()
                    .any(|e| matches!(e, ApplyEvent::Applying { .. }))
            );
        }
        assert!(gone(&conn.client, &plan.objects[plan.pod_index().unwrap_or(0)]).await);
    }
    // A mode that fits baseline is admitted there.
    let ns = cp::fresh_namespace_with_labels(
        "apply-baseline-ok",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    let conn = admin(&ns).await;
    let plan = plan(&conn, Mode::RootlessNoPriv, &Options::default());
    let (result, _) = run(&conn, &plan, &real()).await;
    result.unwrap_or_else(|e| panic!("rootless-no-priv in baseline: {e}"));
}

#[tokio::test]
async fn restricted_warnings_are_captured_per_object_and_shown_by_the_cli() {
    let ns = cp::fresh_namespace_with_labels(
        "apply-warn",
        &[("pod-security.kubernetes.io/warn", "restricted")],
    );
    let conn = admin(&ns).await;
    let plan = plan(&conn, Mode::RootlessNoPriv, &Options::default());
    let (result, _) = run(&conn, &plan, &dry()).await;
    let report = result.unwrap_or_else(|e| panic!("dry-run: {e}"));
    let pod = plan.pod_index().unwrap_or(0);
    assert!(
        report.objects[pod]
            .warnings
            .iter()
            .any(|w| w.starts_with("would violate PodSecurity \"restricted:latest\"")),
        "{:?}",
        report.objects[pod].warnings
    );
    for (i, r) in report.objects.iter().enumerate() {
        if i != pod {
            assert!(r.warnings.is_empty(), "{}: {:?}", r.reference, r.warnings);
        }
    }
    assert!(
        conn.warnings.take().is_empty(),
        "the connection log is drained"
    );

    let out = podwiz()
        .args([
            "apply",
            "rootless-no-priv",
            "--yes",
            "--wait",
            "0",
            "-n",
            &ns,
        ])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Warning: would violate PodSecurity \"restricted:latest\""),
        "{stdout}"
    );
}

// ---- permissions and conflicts -------------------------------------------------------------

#[tokio::test]
async fn unprivileged_user_gets_a_clear_forbidden() {
    let ns = cp::fresh_namespace("apply-alice");
    let conn = connect_as(cp::user_kubeconfig_path(), Some(&ns)).await;
    let plan = plan(&conn, Mode::RootfulPriv, &Options::default());
    let (result, _) = run(&conn, &plan, &real()).await;
    let Err(ApplyError::Rejected { failures }) = result else {
        panic!("expected 403, got {result:?}");
    };
    let m = &failures[0].message;
    assert!(m.starts_with("forbidden: "), "{m}");
    assert!(
        m.contains("User \"alice\" cannot patch resource \"pods\""),
        "{m}"
    );
    assert!(m.contains(&ns), "{m}");
}

#[tokio::test]
async fn conflicting_field_manager_is_named_and_force_takes_over() {
    let ns = cp::fresh_namespace("apply-conflict");
    let conn = admin(&ns).await;
    let plan = plan(&conn, Mode::RootfulPriv, &Options::default());
    let Object::Pod(mut pod) = plan.objects[plan.pod_index().unwrap_or(0)].clone() else {
        panic!("no pod")
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    if let Some(spec) = pod.spec.as_mut() {
        spec.containers[0].image = Some("registry.invalid/other:1".into());
    }
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
    pods.patch(&name, &PatchParams::apply("other"), &Patch::Apply(&pod))
        .await
        .expect("apply as other");

    let (result, _) = run(&conn, &plan, &real()).await;
    let Err(ApplyError::Rejected { failures }) = result else {
        panic!("expected a conflict, got {result:?}");
    };
    let m = &failures[0].message;
    assert!(m.contains("conflict with field manager \"other\""), "{m}");
    assert!(m.contains(".spec.containers[name="), "{m}");
    assert!(m.contains("--force-conflicts"), "{m}");

    let forced = ApplyOptions {
        force_conflicts: true,
        ..ApplyOptions::default()
    };
    let (result, _) = run(&conn, &plan, &forced).await;
    let report = result.unwrap_or_else(|e| panic!("forced: {e}"));
    assert_eq!(report.objects[0].outcome, Outcome::Configured);
    let got = pods.get(&name).await.expect("get pod");
    assert_eq!(
        got.spec
            .and_then(|s| s.containers[0].image.clone())
            .as_deref(),
        Some(podwiz::scenario::options::DEFAULT_IMAGE)
    );
}

// ---- rollback ------------------------------------------------------------------------------

#[tokio::test]
async fn failure_of_the_second_object_leaves_nothing_behind() {
    let ns = unique("apply-rollback");
    let conn = admin("default").await;
    let options = Options {
        namespace: Some(ns.clone()),
        create_namespace: true,
        platform: Some(Platform::Openshift),
        ..Options::default()
    };
    let plan = plan(&conn, Mode::RootfulPriv, &options);
    let kinds: Vec<&str> = plan.objects.iter().map(Object::kind).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "RoleBinding", "Pod"]);
    let opts = ApplyOptions {
        fail_write: Some(1),
        ..ApplyOptions::default()
    };
    let (result, events) = run(&conn, &plan, &opts).await;
    let Err(ApplyError::WriteFailed {
        failed,
        rolled_back,
        left_behind,
        ..
    }) = &result
    else {
        panic!("expected a write failure, got {result:?}");
    };
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].reference, plan.objects[1].reference());
    // The real API server refused the corrupted write.
    assert!(
        failed[0].message.contains("does not match"),
        "{}",
        failed[0].message
    );
    assert!(left_behind.is_empty(), "{left_behind:?}");
    assert!(
        rolled_back.contains(&plan.objects[0].reference()),
        "{rolled_back:?}"
    );
    assert!(
        rolled_back.contains(&plan.objects[2].reference()),
        "{rolled_back:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ApplyEvent::Skipped { index: 3 })),
        "the pod waits for its service account: {events:?}"
    );
    let message = result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(message.contains("rolled back: deleted"), "{message}");
    for object in &plan.objects {
        assert!(
            gone(&conn.client, object).await,
            "{} left behind",
            object.reference()
        );
    }
}

#[tokio::test]
async fn rollback_keeps_objects_that_existed_before() {
    let ns = cp::fresh_namespace("apply-keep");
    let conn = admin(&ns).await;
    let options = Options {
        namespace: Some(ns.clone()),
        platform: Some(Platform::Openshift),
        fuse: Some(Fuse::GenericDevicePlugin),
        ..Options::default()
    };
    let plan = plan(&conn, Mode::RootlessNoPriv, &options);
    let kinds: Vec<&str> = plan.objects.iter().map(Object::kind).collect();
    assert_eq!(kinds, ["ServiceAccount", "RoleBinding", "DaemonSet", "Pod"]);
    // The ServiceAccount and the shared DaemonSet exist before.
    let Object::ServiceAccount(sa) = &plan.objects[0] else {
        panic!()
    };
    Api::<ServiceAccount>::namespaced(conn.client.clone(), &ns)
        .patch(
            plan.objects[0].name(),
            &PatchParams::apply("other"),
            &Patch::Apply(sa),
        )
        .await
        .expect("pre-create the service account");
    let Object::DaemonSet(ds) = &plan.objects[2] else {
        panic!()
    };
    Api::<DaemonSet>::namespaced(conn.client.clone(), "kube-system")
        .patch(
            plan.objects[2].name(),
            &PatchParams::apply("podwiz"),
            &Patch::Apply(ds),
        )
        .await
        .expect("pre-apply the daemonset");

    let opts = ApplyOptions {
        fail_write: Some(3),
        ..ApplyOptions::default()
    };
    let (result, _) = run(&conn, &plan, &opts).await;
    let Err(ApplyError::WriteFailed {
        failed,
        rolled_back,
        kept,
        left_behind,
    }) = &result
    else {
        panic!("expected a write failure, got {result:?}");
    };
    assert_eq!(failed[0].reference, plan.objects[3].reference());
    assert_eq!(rolled_back, &vec![plan.objects[1].reference()]);
    assert!(kept.contains(&plan.objects[0].reference()), "{kept:?}");
    assert!(kept.contains(&plan.objects[2].reference()), "{kept:?}");
    assert!(left_behind.is_empty());
    assert!(
        read_back(&conn.client, &plan.objects[0]).await.is_some(),
        "SA kept"
    );
    assert!(
        read_back(&conn.client, &plan.objects[2]).await.is_some(),
        "DS kept"
    );
    assert!(
        gone(&conn.client, &plan.objects[1]).await,
        "RoleBinding deleted"
    );
    assert!(
        gone(&conn.client, &plan.objects[3]).await,
        "Pod never created"
    );
}

// ---- the CLI -------------------------------------------------------------------------------

#[test]
fn cli_refuses_without_a_terminal_and_without_yes() {
    let ns = cp::fresh_namespace("apply-refuse");
    let out = podwiz()
        .args(["apply", "rootful-priv", "-n", &ns])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    // The refusal still names what would have been written, and where.
    for needle in ["admin@envtest", cp::server_url(), &ns, "pod/podman-priv"] {
        assert!(stderr.contains(needle), "{needle} missing:\n{stderr}");
    }
    assert_no_secrets(&format!("{stdout}{stderr}"));
    let kubectl = Command::new(cp::kubectl_path())
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .args(["get", "pods", "-n", &ns, "-o", "name"])
        .output()
        .expect("kubectl");
    assert!(kubectl.status.success());
    assert!(
        kubectl.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&kubectl.stdout)
    );
}

#[test]
fn cli_applies_with_yes_and_says_why_the_pod_is_pending() {
    let ns = cp::fresh_namespace("apply-cli");
    let out = podwiz()
        .args(["apply", "rootful-priv", "--yes", "--wait", "2", "-n", &ns])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let pod = Mode::RootfulPriv.default_pod_name();
    assert!(stdout.contains(&format!("created   pod/{pod}")), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "pod/{pod}: Pending: no node has been assigned (is there a scheduler and a node that fits?)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "kubectl exec -n {ns} -it {pod} -- podman run ubi8 echo hello"
        )),
        "{stdout}"
    );
    assert_no_secrets(&format!("{stdout}{stderr}"));

    // --dry-run afterwards: no confirmation needed, everything unchanged.
    let out = podwiz()
        .args(["apply", "rootful-priv", "--dry-run", "-n", &ns])
        .arg("--kubeconfig")
        .arg(cp::admin_kubeconfig_path())
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("nothing was written"), "{stdout}");
}

#[test]
fn closed_port_fails_fast_and_clearly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("https://127.0.0.1:{port}");
    let kubeconfig = std::fs::read_to_string(cp::admin_kubeconfig_path())
        .expect("read kubeconfig")
        .replace(cp::server_url(), &url);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("closed.kubeconfig");
    std::fs::write(&path, kubeconfig).expect("write kubeconfig");
    let started = Instant::now();
    let out = podwiz()
        .args(["apply", "rootful-priv", "--yes"])
        .arg("--kubeconfig")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run podwiz");
    let elapsed = started.elapsed();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(
        stderr.contains(&format!("cannot reach the API server {url}")),
        "{stderr}"
    );
    assert_no_secrets(&format!("{stdout}{stderr}"));
}

// ---- benchmark support ---------------------------------------------------------------------

/// For scripts/bench-apply.sh: starts the control plane, writes `kubeconfig=` and `kubectl=`
/// lines to `$PODWIZ_BENCH_INFO`, then sleeps until killed (the control plane dies with it).
#[test]
#[ignore = "benchmark helper: run by scripts/bench-apply.sh"]
fn bench_server() {
    let info = std::env::var("PODWIZ_BENCH_INFO").expect("PODWIZ_BENCH_INFO");
    let text = format!(
        "kubeconfig={}\nkubectl={}\n",
        cp::admin_kubeconfig_path().display(),
        cp::kubectl_path().display()
    );
    let tmp = format!("{info}.tmp");
    std::fs::write(&tmp, text).expect("write bench info");
    std::fs::rename(&tmp, &info).expect("publish bench info");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
