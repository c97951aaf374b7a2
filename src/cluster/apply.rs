//! One-step apply of a bundle to the current kube context.
//!
//! 1. [`ApplyPlan::new`] (no network): the context, the server URL, the target namespace and
//!    every object, with the namespace filled in (objects without one get the connection's
//!    namespace; a bundle built with `-n` keeps its own).
//! 2. [`apply`]: for every object, in parallel, a `GET` (did it exist before?) and a server-side
//!    dry-run (`PatchParams::apply("podwiz").validation_strict().dry_run()`), with the API
//!    server's warnings (Pod Security "would violate ...") attributed to the object. Objects
//!    inside a Namespace of the plan that does not exist yet cannot be dry-run (kubernetes
//!    #83562): they are reported as deferred and validated right after the Namespace is
//!    created. With [`ApplyOptions::dry_run`] it stops here.
//! 3. Server-side apply with field manager `podwiz` (never forced unless
//!    [`ApplyOptions::force_conflicts`]): Namespaces first, then ServiceAccount, RoleBinding and
//!    DaemonSet in parallel, the Pod as soon as the ServiceAccounts exist.
//! 4. If any write fails, every object this apply *created* is deleted again (objects that
//!    existed before are kept, and their changes are not reverted) and the error says exactly
//!    what happened.
//! 5. The Pod's phase is watched for [`ApplyOptions::wait`].
//!
//! Progress is sent as [`ApplyEvent`]s (per object, by index into [`ApplyPlan::objects`]).
//! Nothing here prints, and nothing carries credentials.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use http::{Method, Request};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::client::Body;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use super::admission::PodSecurityCheck;
use super::client::Connection;
use super::context::ContextInfo;
use super::doctor::ServerVersion;
use super::error::one_line;
use super::warnings::parse_warning_header;
use crate::scenario::workload::{self, NAME_LABEL};
use crate::scenario::{Bundle, Mode, Object, UsageHint};

/// The field manager of every write.
pub const FIELD_MANAGER: &str = "podwiz";

/// What will be applied where; built without network.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplyPlan {
    pub info: ContextInfo,
    /// Namespace of the namespaced objects that did not name one (`-n` of the bundle, else the
    /// context's, else `default`).
    pub namespace: String,
    pub mode: Mode,
    /// In apply order, every namespaced object with its namespace set.
    pub objects: Vec<Object>,
    /// Commands to try once the pod runs (with `-n NAMESPACE` when the bundle had none).
    pub usage: Vec<UsageHint>,
}

impl ApplyPlan {
    /// The plan for `bundle` on the context `info` (from [`super::context::load`] or a
    /// [`Connection`]). No network.
    pub fn new(info: ContextInfo, bundle: &Bundle) -> ApplyPlan {
        let namespace = bundle
            .options
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| info.namespace.clone());
        let objects = bundle
            .objects()
            .into_iter()
            .map(|o| with_namespace(o, &namespace))
            .collect();
        let usage = bundle
            .usage
            .iter()
            .map(|u| UsageHint {
                title: u.title.clone(),
                command: if bundle.options.namespace.is_none() {
                    u.command
                        .replacen(
                            "kubectl exec -it",
                            &format!("kubectl exec -n {namespace} -it"),
                            1,
                        )
                        .replacen(
                            "kubectl create job",
                            &format!("kubectl create -n {namespace} job"),
                            1,
                        )
                } else {
                    u.command.clone()
                },
            })
            .collect();
        ApplyPlan {
            info,
            namespace,
            mode: bundle.mode,
            objects,
            usage,
        }
    }

    /// The plan for objects that are not a podwiz bundle (the wizard's Review of someone's own
    /// manifest applies its safer rewrite, judged as `mode`): objects that name a namespace keep
    /// it, the others get the context's; the plan's namespace is the first object's. No network.
    pub fn of_objects(info: ContextInfo, mode: Mode, objects: Vec<Object>) -> ApplyPlan {
        let namespace = objects
            .iter()
            .find_map(|o| o.namespace().filter(|n| !n.is_empty()).map(str::to_string))
            .unwrap_or_else(|| info.namespace.clone());
        let objects = objects
            .into_iter()
            .map(|o| with_namespace(o, &info.namespace))
            .collect();
        ApplyPlan {
            info,
            namespace,
            mode,
            objects,
            usage: Vec::new(),
        }
    }

    /// `kind/name`, plus ` (namespace NS)` for namespaced objects.
    pub fn label(&self, index: usize) -> String {
        self.objects.get(index).map(label).unwrap_or_default()
    }

    /// Index of the object that runs the pod: the Pod, or the Job, Deployment, StatefulSet or
    /// CronJob whose template it is.
    pub fn pod_index(&self) -> Option<usize> {
        self.objects.iter().position(Object::is_workload)
    }

    /// The confirmation text: context, server, namespace and every object (several lines, no
    /// trailing newline).
    pub fn describe(&self) -> String {
        let i = &self.info;
        let mut lines = vec![
            format!(
                "Context:   {} (cluster {}, user {})",
                i.context, i.cluster, i.user
            ),
            format!("Server:    {}", i.server),
            format!("Namespace: {}", self.namespace),
            format!("Objects ({}):", self.objects.len()),
        ];
        lines.extend(self.objects.iter().map(|o| format!("  {}", label(o))));
        lines.join("\n")
    }
}

fn label(o: &Object) -> String {
    match o.namespace() {
        Some(ns) => format!("{} (namespace {ns})", o.reference()),
        None => o.reference(),
    }
}

fn with_namespace(object: Object, ns: &str) -> Object {
    let fill = |n: &mut Option<String>| {
        if n.as_deref().is_none_or(str::is_empty) {
            *n = Some(ns.to_string());
        }
    };
    match object {
        Object::Namespace(o) => Object::Namespace(o),
        Object::ServiceAccount(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::ServiceAccount(o)
        }
        Object::RoleBinding(mut o) => {
            fill(&mut o.metadata.namespace);
            let own = o
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| ns.to_string());
            for s in o.subjects.iter_mut().flatten() {
                if s.kind == "ServiceAccount" && s.namespace.as_deref().is_none_or(str::is_empty) {
                    s.namespace = Some(own.clone());
                }
            }
            Object::RoleBinding(o)
        }
        Object::DaemonSet(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::DaemonSet(o)
        }
        Object::Pod(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::Pod(o)
        }
        Object::Job(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::Job(o)
        }
        Object::Deployment(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::Deployment(o)
        }
        Object::StatefulSet(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::StatefulSet(o)
        }
        Object::CronJob(mut o) => {
            fill(&mut o.metadata.namespace);
            Object::CronJob(o)
        }
    }
}

/// How to apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Only the server-side dry-run: nothing is written.
    pub dry_run: bool,
    /// Take over fields owned by another field manager (`force=true`).
    pub force_conflicts: bool,
    /// How long to watch the Pod's phase after applying (zero: do not watch).
    pub wait: Duration,
    /// Test hook: the real (not dry-run) write of object number N of the plan is sent with a
    /// body the API server rejects (the name differs from the URL), to exercise the rollback
    /// against a real server. Never set by the CLI.
    #[doc(hidden)]
    pub fail_write: Option<usize>,
}

/// What the apply is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Existence checks and server-side dry-run.
    DryRun,
    /// Server-side apply.
    Apply,
    /// Deleting what this apply created, after a failure.
    RollBack,
    /// Watching the Pod's phase.
    Watch,
}

/// Progress, per object (`index` into [`ApplyPlan::objects`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum ApplyEvent {
    Stage {
        stage: Stage,
    },
    /// The dry-run of the object started (show a spinner).
    DryRunStarted {
        index: usize,
    },
    /// The API server accepts the object; `warnings` are its Warning headers.
    DryRunOk {
        index: usize,
        warnings: Vec<String>,
    },
    /// The API server rejects the object (its message, or a conflict naming the manager).
    DryRunFailed {
        index: usize,
        message: String,
    },
    /// The object cannot be dry-run yet: its namespace is created by this apply.
    DryRunDeferred {
        index: usize,
        reason: String,
    },
    /// The write of the object started.
    Applying {
        index: usize,
    },
    /// Written: `created` (did not exist before), `changed` (resourceVersion moved);
    /// `warnings` that the dry-run of the object had not already reported.
    Applied {
        index: usize,
        created: bool,
        changed: bool,
        warnings: Vec<String>,
    },
    /// The write failed.
    Failed {
        index: usize,
        message: String,
    },
    /// Not attempted because another object failed.
    Skipped {
        index: usize,
    },
    /// Deleted again: this apply had created it.
    RolledBack {
        index: usize,
        note: Option<String>,
    },
    /// Pod Security admission predicted for the pod (or the pods a workload creates) at the
    /// policy version the server uses for its namespace; sent after the first wave, before
    /// the objects' dry-run results (which are the server's own verdict).
    PodSecurity {
        check: PodSecurityCheck,
    },
    /// Could not be deleted: it is left behind.
    RollbackFailed {
        index: usize,
        message: String,
    },
    /// The Pod's phase changed (or the watch ended: `final_`).
    PodPhase {
        status: PodStatus,
    },
}

/// The Pod's phase as far as the watch saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PodStatus {
    pub phase: String,
    /// `spec.nodeName`.
    pub node: Option<String>,
    /// Why it is not running yet (unschedulable, image pull...), from conditions and container
    /// states.
    pub detail: Option<String>,
    /// The last status of the watch (settled, or the wait ran out).
    pub final_: bool,
    /// The wait ran out before the Pod settled.
    pub timed_out: bool,
}

impl PodStatus {
    /// The status of a Pod object as read from the API server.
    pub fn of(pod: &Pod) -> PodStatus {
        let status = pod.status.as_ref();
        let phase = status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".to_string());
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty());
        let unschedulable = status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            .map(|c| {
                let why = c.message.clone().or(c.reason.clone()).unwrap_or_default();
                format!("not scheduled: {}", one_line(&why))
            });
        let waiting = status
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .flatten()
            .find_map(|cs| {
                let w = cs.state.as_ref()?.waiting.as_ref()?;
                let reason = w.reason.clone().unwrap_or_default();
                if reason.is_empty() || reason == "ContainerCreating" && w.message.is_none() {
                    return None;
                }
                Some(match &w.message {
                    Some(m) => format!("container {}: {reason}: {}", cs.name, one_line(m)),
                    None => format!("container {}: {reason}", cs.name),
                })
            });
        PodStatus {
            phase,
            node,
            detail: unschedulable.or(waiting),
            final_: false,
            timed_out: false,
        }
    }

    fn settled(&self) -> bool {
        matches!(self.phase.as_str(), "Running" | "Succeeded" | "Failed")
    }

    /// One line: `Running on node n1`, `Pending: no node has been assigned (...)`.
    pub fn describe(&self) -> String {
        let mut s = self.phase.clone();
        if let Some(node) = &self.node {
            s.push_str(&format!(" on node {node}"));
        }
        match (&self.detail, &self.node) {
            (Some(d), _) => s.push_str(&format!(": {d}")),
            (None, None) if self.phase == "Pending" && self.final_ => s.push_str(
                ": no node has been assigned (is there a scheduler and a node that fits?)",
            ),
            _ => {}
        }
        s
    }
}

/// What became of one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Dry-run only: the server accepts it.
    Validated,
    /// Dry-run only: could not be validated (namespace created by this apply).
    NotValidated {
        reason: String,
    },
    Created,
    /// Existed and changed.
    Configured,
    /// Existed, nothing changed.
    Unchanged,
    /// Not written.
    NotApplied,
}

impl Outcome {
    /// The outcome of a successful write: whether it created the object and whether it changed it.
    pub fn of_write(created: bool, changed: bool) -> Outcome {
        match (created, changed) {
            (true, _) => Outcome::Created,
            (false, true) => Outcome::Configured,
            (false, false) => Outcome::Unchanged,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectResult {
    /// `kind/name`
    pub reference: String,
    pub namespace: Option<String>,
    /// It existed before this apply.
    pub existed: bool,
    /// Warnings of the API server for this object (dry-run and write, deduplicated).
    pub warnings: Vec<String>,
    pub outcome: Outcome,
}

/// The result of a successful [`apply`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub dry_run: bool,
    pub objects: Vec<ObjectResult>,
    /// The Pod's last phase (None: not watched).
    pub pod: Option<PodStatus>,
    pub usage: Vec<UsageHint>,
}

/// One object and why it failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectFailure {
    pub reference: String,
    pub namespace: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ObjectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reference, self.message)
    }
}

/// Why an apply did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// No answer from the API server at all (unreachable, TLS, credentials rejected): the first
    /// wave of requests failed before anything was written. There is no separate probe request.
    #[error(transparent)]
    Connection(super::ClusterError),
    /// The dry-run (or an existence check) failed: nothing was written.
    #[error("the API server rejected {}; nothing was applied", list(.failures))]
    Rejected { failures: Vec<ObjectFailure> },
    /// A write failed; what this apply had created was deleted again.
    #[error("{}", write_failed(.failed, .rolled_back, .kept, .left_behind))]
    WriteFailed {
        failed: Vec<ObjectFailure>,
        /// `kind/name` of the objects deleted again.
        rolled_back: Vec<String>,
        /// `kind/name` of the objects that existed before and were kept (changes not reverted).
        kept: Vec<String>,
        /// Objects this apply created that could not be deleted.
        left_behind: Vec<ObjectFailure>,
    },
}

fn list(failures: &[ObjectFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn write_failed(
    failed: &[ObjectFailure],
    rolled_back: &[String],
    kept: &[String],
    left_behind: &[ObjectFailure],
) -> String {
    let mut s = format!("apply failed: {}", list(failed));
    if rolled_back.is_empty() {
        s.push_str("; nothing had been created, nothing to roll back");
    } else {
        s.push_str(&format!(
            "; rolled back: deleted {} (created by this apply)",
            rolled_back.join(", ")
        ));
    }
    if !kept.is_empty() {
        s.push_str(&format!(
            "; kept {} (existed before; changes of this apply are not reverted)",
            kept.join(", ")
        ));
    }
    if !left_behind.is_empty() {
        s.push_str(&format!(
            "; LEFT BEHIND (could not delete, remove by hand): {}",
            list(left_behind)
        ));
    }
    s
}

// ---- the client with per-request warnings and the fault hook --------------------------------

#[derive(Default)]
struct TapState {
    /// (URL path, dry-run) of a PATCH → its warnings.
    warnings: HashMap<(String, bool), Vec<String>>,
    /// URL path of a write to corrupt, and the body to send instead.
    corrupt: Option<(String, Vec<u8>)>,
}

/// Wraps the connection's client: attributes `Warning` headers to the request that got them
/// (the connection's [`super::WarningLog`] cannot tell parallel requests apart).
#[derive(Clone, Default)]
struct Tap {
    state: Arc<Mutex<TapState>>,
}

impl Tap {
    fn lock(&self) -> std::sync::MutexGuard<'_, TapState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take(&self, path: &str, dry_run: bool) -> Vec<String> {
        self.lock()
            .warnings
            .remove(&(path.to_string(), dry_run))
            .unwrap_or_default()
    }

    fn client(&self, conn: &Connection) -> kube::Client {
        let inner = conn.client.clone();
        let tap = self.clone();
        let service = tower::service_fn(move |req: Request<Body>| {
            let inner = inner.clone();
            let tap = tap.clone();
            async move {
                let is_patch = req.method() == Method::PATCH;
                let path = req.uri().path().to_string();
                let dry_run = req.uri().query().is_some_and(|q| q.contains("dryRun="));
                let req = if is_patch && !dry_run {
                    tap.maybe_corrupt(req, &path)
                } else {
                    req
                };
                let response = inner.send(req).await?;
                if is_patch {
                    let warnings: Vec<String> = response
                        .headers()
                        .get_all(http::header::WARNING)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(parse_warning_header)
                        .collect();
                    tap.lock()
                        .warnings
                        .entry((path, dry_run))
                        .or_default()
                        .extend(warnings);
                }
                Ok::<_, kube::Error>(response)
            }
        });
        kube::Client::new(service, conn.client.default_namespace().to_string())
    }

    fn maybe_corrupt(&self, req: Request<Body>, path: &str) -> Request<Body> {
        let body = {
            let mut state = self.lock();
            match &state.corrupt {
                Some((target, _)) if target == path => state.corrupt.take().map(|(_, b)| b),
                _ => None,
            }
        };
        match body {
            Some(body) => {
                let (mut parts, _) = req.into_parts();
                parts.headers.remove(http::header::CONTENT_LENGTH);
                Request::from_parts(parts, Body::from(body))
            }
            None => req,
        }
    }
}

// ---- typed requests, no discovery ----------------------------------------------------------

macro_rules! typed {
    ($client:expr, $object:expr, |$api:ident, $k:ident| $body:expr) => {{
        let client: &kube::Client = $client;
        match $object {
            Object::Namespace($k) => {
                let $api: Api<Namespace> = Api::all(client.clone());
                $body
            }
            Object::ServiceAccount($k) => {
                let $api: Api<ServiceAccount> =
                    Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::RoleBinding($k) => {
                let $api: Api<RoleBinding> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::DaemonSet($k) => {
                let $api: Api<DaemonSet> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::Pod($k) => {
                let $api: Api<Pod> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::Job($k) => {
                let $api: Api<Job> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::Deployment($k) => {
                let $api: Api<Deployment> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::StatefulSet($k) => {
                let $api: Api<StatefulSet> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
            Object::CronJob($k) => {
                let $api: Api<CronJob> = Api::namespaced(client.clone(), ns_of(&$k.metadata));
                $body
            }
        }
    }};
}

fn ns_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("default")
}

/// URL path of the object (what the tap sees).
fn path_of(client: &kube::Client, object: &Object) -> String {
    typed!(client, object, |api, k| {
        let _ = k;
        format!("{}/{}", api.resource_url(), object.name())
    })
}

/// The object's metadata if it exists (resourceVersion; labels, for a Namespace).
async fn existing(
    client: &kube::Client,
    object: &Object,
) -> Result<Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>, kube::Error> {
    typed!(client, object, |api, k| {
        let _ = k;
        api.get_metadata_opt(object.name())
            .await
            .map(|o| o.map(|m| m.metadata))
    })
}

/// Server-side apply; the resourceVersion after it.
async fn patch(
    client: &kube::Client,
    object: &Object,
    params: &PatchParams,
) -> Result<String, kube::Error> {
    typed!(client, object, |api, k| {
        api.patch(object.name(), params, &Patch::Apply(k))
            .await
            .map(|o| o.metadata.resource_version.clone().unwrap_or_default())
    })
}

/// Deletes the object; a 404 counts as deleted.
async fn delete(client: &kube::Client, object: &Object) -> Result<(), kube::Error> {
    let result = typed!(client, object, |api, k| {
        let _ = k;
        api.delete(object.name(), &DeleteParams::background())
            .await
            .map(|_| ())
    });
    match result {
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        other => other,
    }
}

/// The error as a [`super::ClusterError`] if it is about the connection (unreachable, TLS,
/// 401), not about one object.
fn connection_error(err: &kube::Error) -> Option<super::ClusterError> {
    use super::ClusterError as E;
    let classified = match err {
        kube::Error::Api(status) if status.code == 401 => E::Unauthorized {
            server: None,
            user: None,
        },
        kube::Error::Api(_) => return None,
        other => E::from_kube_ref(other),
    };
    matches!(
        classified,
        E::Unreachable { .. } | E::Tls { .. } | E::Unauthorized { .. } | E::Credentials { .. }
    )
    .then_some(classified)
}

fn is_namespace_missing(err: &kube::Error) -> Option<String> {
    match err {
        kube::Error::Api(s) if s.code == 404 => s
            .details
            .as_ref()
            .filter(|d| d.kind == "namespaces")
            .map(|d| d.name.clone()),
        _ => None,
    }
}

/// One line a user can act on: conflicts name the other field manager and the fields; anything
/// else is the API server's message via [`super::ClusterError`].
fn object_error(conn: &Connection, err: kube::Error, verb: &str, object: &Object) -> String {
    if let kube::Error::Api(status) = &err
        && status.code == 409
        && let Some(message) = conflict_message(status)
    {
        return message;
    }
    if let Some(ns) = is_namespace_missing(&err) {
        return format!(
            "namespace \"{ns}\" does not exist: create it first, or let podwiz create it (--create-namespace)"
        );
    }
    conn.error(err, verb, &object.reference(), object.namespace())
        .to_string()
}

/// `conflict with field manager "other": .spec.containers[name="podman"].image; ...`
pub fn conflict_message(status: &kube::core::Status) -> Option<String> {
    let causes: Vec<_> = status
        .details
        .as_ref()
        .map(|d| d.causes.iter().collect())
        .unwrap_or_default();
    let conflicts: Vec<_> = causes
        .iter()
        .filter(|c| c.reason == "FieldManagerConflict" || c.message.starts_with("conflict with"))
        .collect();
    let mut managers: Vec<String> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    for c in &conflicts {
        let manager = c.message.split('"').nth(1).unwrap_or("another manager");
        if !managers.iter().any(|m| m == manager) {
            managers.push(manager.to_string());
        }
        if !c.field.is_empty() {
            fields.push(c.field.clone());
        }
    }
    let hint = "another tool applied these fields with other values; re-run with --force-conflicts to take them over";
    if managers.is_empty() {
        if status.reason == "Conflict" || status.message.contains("conflict") {
            return Some(format!("conflict: {}; {hint}", one_line(&status.message)));
        }
        return None;
    }
    let who = managers
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if managers.len() > 1 { "s" } else { "" };
    Some(format!(
        "conflict with field manager{plural} {who} on {}; {hint}",
        if fields.is_empty() {
            "some fields".to_string()
        } else {
            fields.join(", ")
        }
    ))
}

// ---- apply ---------------------------------------------------------------------------------

/// The dry-run of the Pod a workload's controller would create.
enum PodsCheck {
    /// A Pod, or an object without a pod template: nothing to check.
    NotAWorkload,
    Admitted,
    /// Pod Security would reject the pods (the error carries the API server's message).
    Rejected(kube::Error),
    /// The check itself could not run (a note for the user).
    Unchecked(String),
}

struct Shared<'a> {
    conn: &'a Connection,
    plan: &'a ApplyPlan,
    client: kube::Client,
    tap: Tap,
    progress: UnboundedSender<ApplyEvent>,
    results: Mutex<Vec<ObjectResult>>,
    failed: AtomicBool,
    failures: Mutex<Vec<ObjectFailure>>,
    created: Mutex<Vec<usize>>,
    params: PatchParams,
}

impl Shared<'_> {
    fn send(&self, event: ApplyEvent) {
        // The receiver may be gone (the UI closed): apply carries on regardless.
        let _ = self.progress.send(event);
    }

    fn object(&self, index: usize) -> &Object {
        &self.plan.objects[index]
    }

    fn fail(&self, index: usize, message: String) {
        self.failed.store(true, Ordering::SeqCst);
        let o = self.object(index);
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(ObjectFailure {
                reference: o.reference(),
                namespace: o.namespace().map(str::to_string),
                message,
            });
    }

    fn result(&self, index: usize, f: impl FnOnce(&mut ObjectResult)) {
        let mut results = self.results.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = results.get_mut(index) {
            f(r);
        }
    }

    fn add_warnings(&self, index: usize, warnings: &[String]) {
        self.result(index, |r| {
            for w in warnings {
                if !r.warnings.contains(w) {
                    r.warnings.push(w.clone());
                }
            }
        });
    }

    async fn dry_run(&self, index: usize) -> Result<Vec<String>, kube::Error> {
        let object = self.object(index);
        let params = self.params.clone().dry_run();
        let path = path_of(&self.client, object);
        // Both at once: the pods check does not wait for the object's own dry-run (one wave;
        // its answer is dropped when the object itself is rejected).
        let (result, pods) = futures::join!(
            patch(&self.client, object, &params),
            self.pods_check(object)
        );
        let mut warnings = self.tap.take(&path, true);
        result?;
        match pods {
            PodsCheck::Admitted | PodsCheck::NotAWorkload => {}
            PodsCheck::Unchecked(note) => warnings.push(note),
            PodsCheck::Rejected(e) => return Err(e),
        }
        Ok(warnings)
    }

    /// Pod Security admission only *warns* about a workload's template; it rejects the pods
    /// the controller creates later, and nobody sees it but the controller's events. So the
    /// Pod a controller would create is dry-run too (`POST pods?dryRun=All`).
    async fn pods_check(&self, object: &Object) -> PodsCheck {
        let Some(pod) = workload::controller_pod(object) else {
            return PodsCheck::NotAWorkload;
        };
        let api: Api<Pod> = Api::namespaced(self.client.clone(), ns_of(&pod.metadata));
        let params = PostParams {
            dry_run: true,
            field_manager: Some(FIELD_MANAGER.to_string()),
        };
        match api.create(&params, &pod).await {
            Ok(_) => PodsCheck::Admitted,
            Err(kube::Error::Api(status))
                if status.code == 403 && status.message.contains("violates PodSecurity") =>
            {
                let mut status = *status;
                status.message = format!(
                    "the pods this {} creates would be rejected: {}",
                    object.kind(),
                    status.message
                );
                PodsCheck::Rejected(kube::Error::Api(Box::new(status)))
            }
            // RBAC that allows the workload but not pods, an admission webhook, a missing
            // ServiceAccount...: not a verdict on the template, so say it and carry on.
            Err(e) => PodsCheck::Unchecked(format!(
                "podwiz could not dry-run the pod this {} creates: {}",
                object.kind(),
                one_line(&e.to_string())
            )),
        }
    }

    /// Dry-run of a deferred object, after its namespace was created.
    async fn late_dry_run(&self, index: usize) {
        self.send(ApplyEvent::DryRunStarted { index });
        match self.dry_run(index).await {
            Ok(warnings) => {
                self.add_warnings(index, &warnings);
                self.send(ApplyEvent::DryRunOk { index, warnings });
            }
            Err(e) => {
                let message = object_error(self.conn, e, "dry-run apply", self.object(index));
                self.fail(index, message.clone());
                self.send(ApplyEvent::DryRunFailed { index, message });
            }
        }
    }

    async fn write(&self, index: usize, before: Option<String>) {
        if self.failed.load(Ordering::SeqCst) {
            self.send(ApplyEvent::Skipped { index });
            return;
        }
        self.send(ApplyEvent::Applying { index });
        let object = self.object(index);
        let path = path_of(&self.client, object);
        let result = patch(&self.client, object, &self.params).await;
        // Only what the dry-run did not already show for this object.
        let warnings: Vec<String> = {
            let seen = self.results.lock().unwrap_or_else(|p| p.into_inner());
            let seen = seen
                .get(index)
                .map(|r| r.warnings.clone())
                .unwrap_or_default();
            self.tap
                .take(&path, false)
                .into_iter()
                .filter(|w| !seen.contains(w))
                .collect()
        };
        match result {
            Ok(rv) => {
                let created = before.is_none();
                let changed = before.as_deref() != Some(rv.as_str());
                if created {
                    self.created
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(index);
                }
                self.add_warnings(index, &warnings);
                self.result(index, |r| r.outcome = Outcome::of_write(created, changed));
                self.send(ApplyEvent::Applied {
                    index,
                    created,
                    changed,
                    warnings,
                });
            }
            Err(e) => {
                let message = object_error(self.conn, e, "apply", object);
                self.fail(index, message.clone());
                self.send(ApplyEvent::Failed { index, message });
            }
        }
    }

    /// Deletes what this apply created: namespaced objects (in parallel), then Namespaces.
    async fn roll_back(&self) -> (Vec<String>, Vec<ObjectFailure>) {
        self.send(ApplyEvent::Stage {
            stage: Stage::RollBack,
        });
        let mut created = self
            .created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        created.sort_unstable();
        created.reverse();
        let (namespaces, inner): (Vec<usize>, Vec<usize>) = created
            .into_iter()
            .partition(|&i| matches!(self.object(i), Object::Namespace(_)));
        let mut deleted = Vec::new();
        let mut left = Vec::new();
        for group in [inner, namespaces] {
            let outcomes = join_all(
                group
                    .iter()
                    .map(|&i| async move { (i, delete(&self.client, self.object(i)).await) }),
            )
            .await;
            for (index, outcome) in outcomes {
                let object = self.object(index);
                match outcome {
                    Ok(()) => {
                        deleted.push(object.reference());
                        let note = matches!(object, Object::Namespace(_))
                            .then(|| "the namespace is terminating".to_string());
                        self.send(ApplyEvent::RolledBack { index, note });
                    }
                    Err(e) => {
                        let message = object_error(self.conn, e, "delete", object);
                        left.push(ObjectFailure {
                            reference: object.reference(),
                            namespace: object.namespace().map(str::to_string),
                            message: message.clone(),
                        });
                        self.send(ApplyEvent::RollbackFailed { index, message });
                    }
                }
            }
        }
        (deleted, left)
    }
}

/// Dry-runs, applies and watches `plan` on `conn` (see the module docs). Progress goes to
/// `progress` (a closed receiver is fine). Warnings are attributed per object by a tap on the
/// client; the connection's [`super::WarningLog`] is drained at the end so they are not shown
/// twice.
pub async fn apply(
    conn: &Connection,
    plan: &ApplyPlan,
    opts: &ApplyOptions,
    progress: UnboundedSender<ApplyEvent>,
) -> Result<ApplyReport, ApplyError> {
    let tap = Tap::default();
    let client = tap.client(conn);
    let mut params = PatchParams::apply(FIELD_MANAGER).validation_strict();
    if opts.force_conflicts {
        params = params.force();
    }
    if let Some(index) = opts.fail_write
        && let Some(object) = plan.objects.get(index)
    {
        let mut body = serde_json::to_value(object).unwrap_or_default();
        body["metadata"]["name"] = format!("{}-injected-failure", object.name()).into();
        tap.lock().corrupt = Some((
            path_of(&client, object),
            serde_json::to_vec(&body).unwrap_or_default(),
        ));
    }
    let shared = Shared {
        conn,
        plan,
        client,
        tap,
        progress,
        results: Mutex::new(
            plan.objects
                .iter()
                .map(|o| ObjectResult {
                    reference: o.reference(),
                    namespace: o.namespace().map(str::to_string),
                    existed: false,
                    warnings: Vec::new(),
                    outcome: Outcome::NotApplied,
                })
                .collect(),
        ),
        failed: AtomicBool::new(false),
        failures: Mutex::new(Vec::new()),
        created: Mutex::new(Vec::new()),
        params,
    };
    let result = run(&shared, opts).await;
    let _ = conn.warnings.take();
    result
}

async fn run(s: &Shared<'_>, opts: &ApplyOptions) -> Result<ApplyReport, ApplyError> {
    let plan = s.plan;
    let n = plan.objects.len();

    // ---- 1. existence + dry-run, every object in parallel ----
    s.send(ApplyEvent::Stage {
        stage: Stage::DryRun,
    });
    let objects = join_all((0..n).map(|index| async move {
        s.send(ApplyEvent::DryRunStarted { index });
        let object = s.object(index);
        let (before, dry) = futures::join!(existing(&s.client, object), s.dry_run(index));
        (before, dry)
    }));
    // In the same wave: what Pod Security admission needs to be predicted.
    let (checks, admission) = futures::join!(objects, admission_facts(s));
    if let Some(check) = pod_security(s, &checks, admission) {
        s.send(ApplyEvent::PodSecurity { check });
    }
    let checks: Vec<_> = checks
        .into_iter()
        .map(|(before, dry)| {
            (
                before.map(|m| m.map(|m| m.resource_version.unwrap_or_default())),
                dry,
            )
        })
        .collect();
    // The first wave is also the connection check: a failure of the connection itself is one
    // error, not one per object.
    let connection_failure = checks.iter().find_map(|(exists, dry)| {
        [exists.as_ref().err(), dry.as_ref().err()]
            .into_iter()
            .flatten()
            .find_map(connection_error)
    });
    if let Some(err) = connection_failure {
        return Err(ApplyError::Connection(
            err.with_endpoint(&s.conn.info.server, &s.conn.info.user),
        ));
    }
    let mut before: Vec<Option<String>> = vec![None; n];
    let mut deferred: Vec<usize> = Vec::new();
    // Namespaces of the plan that do not exist yet.
    let new_namespaces: Vec<String> = plan
        .objects
        .iter()
        .zip(&checks)
        .filter(|(o, (b, _))| matches!(o, Object::Namespace(_)) && matches!(b, Ok(None)))
        .map(|(o, _)| o.name().to_string())
        .collect();
    for (index, (exists, dry)) in checks.into_iter().enumerate() {
        let object = s.object(index);
        match (exists, dry) {
            (_, Err(e))
                if is_namespace_missing(&e).is_some_and(|ns| new_namespaces.contains(&ns)) =>
            {
                let ns = object.namespace().unwrap_or_default();
                let reason = format!(
                    "namespace \"{ns}\" does not exist yet: Kubernetes cannot dry-run objects in it (kubernetes#83562); {}",
                    if opts.dry_run {
                        "it is validated when applied, right after the namespace is created"
                    } else {
                        "validating it right after the namespace is created"
                    }
                );
                deferred.push(index);
                s.result(index, |r| {
                    r.outcome = Outcome::NotValidated {
                        reason: reason.clone(),
                    }
                });
                s.send(ApplyEvent::DryRunDeferred { index, reason });
            }
            (_, Err(e)) => {
                let message = object_error(s.conn, e, "dry-run apply", object);
                s.fail(index, message.clone());
                s.send(ApplyEvent::DryRunFailed { index, message });
            }
            (Err(e), Ok(_)) => {
                let message = object_error(s.conn, e, "get", object);
                s.fail(index, message.clone());
                s.send(ApplyEvent::DryRunFailed { index, message });
            }
            (Ok(rv), Ok(warnings)) => {
                s.result(index, |r| {
                    r.existed = rv.is_some();
                    r.outcome = Outcome::Validated;
                });
                before[index] = rv;
                s.add_warnings(index, &warnings);
                s.send(ApplyEvent::DryRunOk { index, warnings });
            }
        }
    }
    let take_failures =
        || std::mem::take(&mut *s.failures.lock().unwrap_or_else(|p| p.into_inner()));
    if s.failed.load(Ordering::SeqCst) {
        return Err(ApplyError::Rejected {
            failures: take_failures(),
        });
    }
    if opts.dry_run {
        return Ok(report(s, true, None));
    }

    // ---- 2. writes ----
    s.send(ApplyEvent::Stage {
        stage: Stage::Apply,
    });
    let namespaces: Vec<usize> = (0..n)
        .filter(|&i| matches!(s.object(i), Object::Namespace(_)))
        .collect();
    for &i in &namespaces {
        s.write(i, before[i].clone()).await;
    }
    if !s.failed.load(Ordering::SeqCst) && !deferred.is_empty() {
        join_all(deferred.iter().map(|&i| s.late_dry_run(i))).await;
    }
    let accounts: Vec<usize> = (0..n)
        .filter(|&i| matches!(s.object(i), Object::ServiceAccount(_)))
        .collect();
    // The Pod or the workload that creates it: after the ServiceAccount it runs as.
    let pods: Vec<usize> = (0..n).filter(|&i| s.object(i).is_workload()).collect();
    let others: Vec<usize> = (0..n)
        .filter(|i| !namespaces.contains(i) && !accounts.contains(i) && !pods.contains(i))
        .collect();
    let before = &before;
    let accounts_then_pods = async {
        join_all(accounts.iter().map(|&i| s.write(i, before[i].clone()))).await;
        join_all(pods.iter().map(|&i| s.write(i, before[i].clone()))).await;
    };
    let rest = join_all(others.iter().map(|&i| s.write(i, before[i].clone())));
    futures::join!(accounts_then_pods, rest);

    if s.failed.load(Ordering::SeqCst) {
        let failed = take_failures();
        let kept: Vec<String> = {
            let results = s.results.lock().unwrap_or_else(|p| p.into_inner());
            results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Configured | Outcome::Unchanged))
                .map(|r| r.reference.clone())
                .collect()
        };
        let (rolled_back, left_behind) = s.roll_back().await;
        return Err(ApplyError::WriteFailed {
            failed,
            rolled_back,
            kept,
            left_behind,
        });
    }

    // ---- 3. the Pod's phase ----
    let pod = match (opts.wait.is_zero(), plan.pod_index()) {
        (false, Some(index)) => {
            s.send(ApplyEvent::Stage {
                stage: Stage::Watch,
            });
            Some(watch_pod(s, index, opts.wait).await)
        }
        _ => None,
    };
    Ok(report(s, false, pod))
}

/// The pod of the plan and its namespace (None: the plan has no pod).
fn pod_target(plan: &ApplyPlan) -> Option<(usize, String)> {
    let index = plan.pod_index()?;
    let ns = plan.objects[index]
        .namespace()
        .unwrap_or(&plan.namespace)
        .to_string();
    Some((index, ns))
}

/// The Namespace object of the plan named `ns`.
fn plan_namespace(plan: &ApplyPlan, ns: &str) -> Option<usize> {
    plan.objects
        .iter()
        .position(|o| matches!(o, Object::Namespace(_)) && o.name() == ns)
}

type NamespaceRead = Option<Result<Option<kube::core::PartialObjectMeta<Namespace>>, kube::Error>>;
/// `GET /version` and the namespace read (see [`admission_facts`]).
type AdmissionFacts = (
    Result<k8s_openapi::apimachinery::pkg::version::Info, kube::Error>,
    NamespaceRead,
);
/// An object's existence check (its metadata) and dry-run, from the first wave.
type FirstWave = (
    Result<Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>, kube::Error>,
    Result<Vec<String>, kube::Error>,
);

/// `GET /version`, and the pod's namespace's metadata unless the plan has that Namespace (its
/// existence check reads it already). Nothing without a pod.
async fn admission_facts(s: &Shared<'_>) -> Option<AdmissionFacts> {
    let (_, ns) = pod_target(s.plan)?;
    let read_namespace = async {
        match plan_namespace(s.plan, &ns) {
            Some(_) => None,
            None => Some(
                Api::<Namespace>::all(s.client.clone())
                    .get_metadata_opt(&ns)
                    .await,
            ),
        }
    };
    let (version, namespace) = futures::join!(s.client.apiserver_version(), read_namespace);
    Some((version, namespace))
}

/// The prediction from the first wave's answers (see [`super::admission`]).
fn pod_security(
    s: &Shared<'_>,
    checks: &[FirstWave],
    facts: Option<AdmissionFacts>,
) -> Option<PodSecurityCheck> {
    let (index, ns) = pod_target(s.plan)?;
    let (version, namespace) = facts?;
    let server = version
        .ok()
        .and_then(|v| ServerVersion::parse(&v.git_version, &v.major, &v.minor));
    let labels = match plan_namespace(s.plan, &ns) {
        // After a server-side apply the namespace has the labels it had, with the plan's on
        // top of them.
        Some(i) => {
            let before = match checks.get(i).map(|c| &c.0) {
                Some(Ok(Some(meta))) => Some(meta.labels.clone().unwrap_or_default()),
                Some(Ok(None)) => Some(Default::default()),
                _ => None,
            };
            before.map(|mut labels| {
                if let Object::Namespace(object) = s.object(i) {
                    labels.extend(object.metadata.labels.clone().unwrap_or_default());
                }
                labels
            })
        }
        None => match namespace {
            Some(Ok(Some(meta))) => Some(meta.metadata.labels.unwrap_or_default()),
            _ => None,
        },
    };
    let object = s.object(index);
    let pod = match object {
        Object::Pod(pod) => pod.clone(),
        other => workload::controller_pod(other)?,
    };
    Some(PodSecurityCheck::judge(
        object.reference(),
        &pod,
        &ns,
        labels,
        server.as_ref(),
    ))
}

fn report(s: &Shared<'_>, dry_run: bool, pod: Option<PodStatus>) -> ApplyReport {
    ApplyReport {
        dry_run,
        objects: s.results.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        pod,
        usage: s.plan.usage.clone(),
    }
}

/// Which pod to watch: a Pod by name, or the newest pod of a workload, by its label.
enum Watched {
    Name(String),
    Selector {
        selector: String,
        kind: &'static str,
    },
}

impl Watched {
    fn of(object: &Object) -> Watched {
        match object {
            Object::Pod(_) => Watched::Name(object.name().to_string()),
            _ => Watched::Selector {
                selector: format!("{NAME_LABEL}={}", object.name()),
                kind: object.kind(),
            },
        }
    }

    /// The pod now (None: a workload without a pod yet) and the resourceVersion to watch from.
    async fn current(&self, api: &Api<Pod>) -> Result<(Option<Pod>, String), kube::Error> {
        match self {
            Watched::Name(name) => {
                let pod = api.get(name).await?;
                let rv = pod.metadata.resource_version.clone().unwrap_or_default();
                Ok((Some(pod), rv))
            }
            Watched::Selector { selector, .. } => {
                let list = api.list(&ListParams::default().labels(selector)).await?;
                let rv = list.metadata.resource_version.clone().unwrap_or_default();
                let newest = list.items.into_iter().max_by(|a, b| {
                    a.metadata
                        .creation_timestamp
                        .cmp(&b.metadata.creation_timestamp)
                });
                Ok((newest, rv))
            }
        }
    }

    fn params(&self, timeout: u32) -> WatchParams {
        let params = match self {
            Watched::Name(name) => WatchParams::default().fields(&format!("metadata.name={name}")),
            Watched::Selector { selector, .. } => WatchParams::default().labels(selector),
        };
        params.timeout(timeout)
    }

    /// The status while a workload has no pod: its controller has not made one (yet).
    fn no_pod(&self) -> PodStatus {
        let kind = match self {
            Watched::Selector { kind, .. } => kind.to_ascii_lowercase(),
            Watched::Name(_) => "pod".to_string(),
        };
        let detail = if kind == "cronjob" {
            "no pod yet: the CronJob runs on its schedule (kubectl create job --from=cronjob/NAME starts one now)".to_string()
        } else {
            format!(
                "no pod yet: the {kind} controller has not created one (is kube-controller-manager running? kubectl describe {kind} shows why)"
            )
        };
        PodStatus {
            phase: "Pending".into(),
            node: None,
            detail: Some(detail),
            final_: false,
            timed_out: false,
        }
    }
}

/// Watches the Pod (or a workload's newest pod) until it runs, ends, or `wait` runs out; sends a
/// PodPhase event per change.
async fn watch_pod(s: &Shared<'_>, index: usize, wait: Duration) -> PodStatus {
    let deadline = Instant::now() + wait;
    let object = s.object(index);
    let api: Api<Pod> = Api::namespaced(
        s.client.clone(),
        object.namespace().unwrap_or(&s.plan.namespace),
    );
    let watched = Watched::of(object);
    let mut last: Option<PodStatus> = None;
    let emit = |status: PodStatus, last: &mut Option<PodStatus>| {
        if last.as_ref() != Some(&status) {
            s.send(ApplyEvent::PodPhase {
                status: status.clone(),
            });
        }
        *last = Some(status);
    };
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let (pod, rv) = match tokio::time::timeout(remaining, watched.current(&api)).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                let status = PodStatus {
                    phase: "Unknown".into(),
                    node: None,
                    detail: Some(object_error(s.conn, e, "get", object)),
                    final_: true,
                    timed_out: false,
                };
                s.send(ApplyEvent::PodPhase {
                    status: status.clone(),
                });
                return status;
            }
            Err(_) => break,
        };
        let status = pod.as_ref().map_or_else(|| watched.no_pod(), PodStatus::of);
        if status.settled() {
            let status = PodStatus {
                final_: true,
                ..status
            };
            emit(status.clone(), &mut last);
            return status;
        }
        emit(status, &mut last);
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        let params = watched.params(remaining.as_secs().clamp(1, 25) as u32);
        let by_name = matches!(watched, Watched::Name(_));
        let result = tokio::time::timeout(remaining, async {
            let mut stream = api.watch(&params, &rv).await?.boxed();
            while let Some(event) = stream.next().await {
                match event? {
                    WatchEvent::Added(p) | WatchEvent::Modified(p) => {
                        let status = PodStatus::of(&p);
                        if status.settled() {
                            return Ok(Some(status));
                        }
                        emit(status, &mut last);
                    }
                    WatchEvent::Deleted(_) if by_name => {
                        return Ok(Some(PodStatus {
                            phase: "Deleted".into(),
                            node: None,
                            detail: Some("the pod was deleted".into()),
                            final_: true,
                            timed_out: false,
                        }));
                    }
                    // A workload's pod went away: its controller makes the next one; look again.
                    WatchEvent::Deleted(_) => return Ok(None),
                    WatchEvent::Bookmark(_) => {}
                    // 410 Gone and friends: GET again and re-watch.
                    WatchEvent::Error(_) => return Ok(None),
                }
            }
            Ok::<_, kube::Error>(None)
        })
        .await;
        match result {
            Err(_) => break,
            Ok(Ok(Some(status))) => {
                let status = PodStatus {
                    final_: true,
                    ..status
                };
                emit(status.clone(), &mut last);
                return status;
            }
            Ok(Ok(None)) => {}
            // A failed watch: poll instead, gently.
            Ok(Err(_)) => {
                let pause = deadline
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(1));
                tokio::time::sleep(pause).await;
            }
        }
    }
    let status = PodStatus {
        final_: true,
        timed_out: true,
        ..last.unwrap_or(PodStatus {
            phase: "Pending".into(),
            node: None,
            detail: None,
            final_: true,
            timed_out: true,
        })
    };
    s.send(ApplyEvent::PodPhase {
        status: status.clone(),
    });
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, build};

    fn info() -> ContextInfo {
        ContextInfo {
            context: "ctx".into(),
            cluster: "c".into(),
            server: "https://k:6443".into(),
            user: "u".into(),
            namespace: "team".into(),
        }
    }

    #[test]
    fn plan_fills_the_connection_namespace() {
        let bundle = build(Mode::RootfulPriv, &Options::default()).expect("bundle");
        let plan = ApplyPlan::new(info(), &bundle);
        assert_eq!(plan.namespace, "team");
        for o in &plan.objects {
            assert_eq!(o.namespace(), Some("team"), "{}", o.reference());
        }
        assert!(
            plan.usage
                .iter()
                .any(|u| u.command.starts_with("kubectl exec -n team -it")),
            "{:?}",
            plan.usage
        );
        let text = plan.describe();
        for needle in ["ctx", "https://k:6443", "Namespace: team", "pod/"] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }

    #[test]
    fn rolebinding_subjects_get_the_namespace() {
        let rb: RoleBinding = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "rb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "sa"}]
        }))
        .expect("rolebinding");
        let Object::RoleBinding(rb) = with_namespace(Object::RoleBinding(rb), "team") else {
            panic!("kind changed")
        };
        assert_eq!(rb.metadata.namespace.as_deref(), Some("team"));
        let subjects = rb.subjects.unwrap_or_default();
        assert_eq!(subjects[0].namespace.as_deref(), Some("team"));
    }

    #[test]
    fn bundle_namespace_wins() {
        let options = Options {
            namespace: Some("mine".into()),
            create_namespace: true,
            ..Options::default()
        };
        let bundle = build(Mode::RootlessNoPriv, &options).expect("bundle");
        let plan = ApplyPlan::new(info(), &bundle);
        assert_eq!(plan.namespace, "mine");
        assert!(matches!(plan.objects[0], Object::Namespace(_)));
        let ds = plan
            .objects
            .iter()
            .find(|o| matches!(o, Object::DaemonSet(_)))
            .expect("daemonset");
        assert_eq!(ds.namespace(), Some("kube-system"));
        let pod = &plan.objects[plan.pod_index().expect("pod")];
        assert_eq!(pod.namespace(), Some("mine"));
    }

    #[test]
    fn conflict_names_manager_and_fields() {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure",
            "message": "Apply failed with 1 conflict: conflict with \"other\" using v1: .spec.containers[name=\"podman\"].image",
            "reason": "Conflict",
            "code": 409,
            "details": {"causes": [{
                "reason": "FieldManagerConflict",
                "message": "conflict with \"other\" using v1",
                "field": ".spec.containers[name=\"podman\"].image"
            }]}
        }))
        .expect("status");
        let m = conflict_message(&status).expect("conflict");
        assert!(
            m.starts_with(
                "conflict with field manager \"other\" on .spec.containers[name=\"podman\"].image;"
            ),
            "{m}"
        );
        assert!(m.contains("--force-conflicts"), "{m}");
    }

    #[test]
    fn pending_without_node_says_so() {
        let status = PodStatus {
            phase: "Pending".into(),
            node: None,
            detail: None,
            final_: true,
            timed_out: true,
        };
        assert_eq!(
            status.describe(),
            "Pending: no node has been assigned (is there a scheduler and a node that fits?)"
        );
    }
}
