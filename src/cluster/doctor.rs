//! `podwiz doctor`: read the cluster (async [`gather`]) and judge which modes fit it (pure
//! [`judge`]), best security first among those that work.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::api::{Api, ListParams, PostParams};
use serde::Serialize;

use super::client::Connection;
use super::context::ContextInfo;
use super::error::{ClusterError, one_line};
use super::warnings::WarningSink;
use crate::scenario::{self, Mode, Options, Platform};
use crate::security::pss::{self, Level, PolicyVersion};

/// Extended resources that give a pod `/dev/fuse`.
pub const FUSE_RESOURCES: [&str; 2] = ["squat.ai/fuse", "github.com/fuse"];
/// The API group whose presence means OpenShift.
pub const OPENSHIFT_GROUP: &str = "security.openshift.io";
/// The prefix of the Pod Security admission labels of a namespace.
pub const PSA_PREFIX: &str = "pod-security.kubernetes.io/";

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

/// Everything doctor read from the cluster. Built by [`gather`], judged by [`judge`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClusterFacts {
    pub context: Option<ContextInfo>,
    /// `None` when `/version` could not be read.
    pub server_version: Option<ServerVersion>,
    /// `None` when discovery failed.
    pub openshift: Option<bool>,
    pub nodes: NodeList,
    pub namespace: NamespaceFacts,
    /// One entry per judged mode; missing modes are judged from the local Pod Security model.
    pub dry_runs: Vec<DryRun>,
    pub access: Vec<AccessCheck>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerVersion {
    pub git_version: String,
    pub major: u32,
    pub minor: u32,
}

impl ServerVersion {
    /// From `/version`'s `major` and `minor` (`"1"`, `"27+"`) or its `gitVersion`.
    pub fn parse(git_version: &str, major: &str, minor: &str) -> Option<ServerVersion> {
        let (ma, mi) = match (leading_number(major), leading_number(minor)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                let v = parse_dotted(git_version.trim_start_matches('v'));
                (v.first().copied()?, v.get(1).copied()?)
            }
        };
        Some(ServerVersion {
            git_version: git_version.to_string(),
            major: ma,
            minor: mi,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeList {
    /// Why the nodes could not be listed (e.g. RBAC); then `nodes` is empty.
    pub error: Option<String>,
    pub nodes: Vec<NodeFacts>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeFacts {
    pub name: String,
    /// `status.nodeInfo.containerRuntimeVersion`, e.g. `cri-o://1.31.0`.
    pub container_runtime: String,
    pub kernel_version: String,
    /// `status.nodeInfo.osImage`, e.g. `Ubuntu 24.04.1 LTS`: tells whether AppArmor is likely on.
    pub os_image: String,
    /// The fuse resources (of [`FUSE_RESOURCES`]) with a non-zero allocatable amount.
    pub fuse_resources: Vec<String>,
}

impl NodeFacts {
    pub fn from_node(node: &Node) -> NodeFacts {
        let status = node.status.as_ref();
        let info = status.and_then(|s| s.node_info.as_ref());
        let allocatable = status.and_then(|s| s.allocatable.as_ref());
        NodeFacts {
            name: node.metadata.name.clone().unwrap_or_default(),
            container_runtime: info
                .map(|i| i.container_runtime_version.clone())
                .unwrap_or_default(),
            kernel_version: info.map(|i| i.kernel_version.clone()).unwrap_or_default(),
            os_image: info.map(|i| i.os_image.clone()).unwrap_or_default(),
            fuse_resources: FUSE_RESOURCES
                .iter()
                .filter(|r| {
                    allocatable
                        .and_then(|a| a.get(**r))
                        .is_some_and(|q| quantity_positive(&q.0))
                })
                .map(|r| r.to_string())
                .collect(),
        }
    }

    pub fn runtime(&self) -> Runtime {
        Runtime::parse(&self.container_runtime)
    }
}

/// A container runtime and its version, from `containerRuntimeVersion`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Runtime {
    CriO(Vec<u32>),
    Containerd(Vec<u32>),
    Other(String),
}

impl Runtime {
    pub fn parse(s: &str) -> Runtime {
        let (name, version) = s.split_once("://").unwrap_or((s, ""));
        let version = parse_dotted(version.trim_start_matches('v'));
        match name {
            "cri-o" | "crio" => Runtime::CriO(version),
            "containerd" => Runtime::Containerd(version),
            _ => Runtime::Other(s.to_string()),
        }
    }

    /// Whether `spec.hostUsers: false` gives the pod a user namespace on this runtime:
    /// `Some(false)` for containerd < 2.0 (silently ignored) and CRI-O < 1.25.
    pub fn supports_host_users(&self) -> Option<bool> {
        match self {
            Runtime::Containerd(v) => Some(version_at_least(v, &[2, 0])),
            Runtime::CriO(v) => Some(version_at_least(v, &[1, 25])),
            Runtime::Other(_) => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NamespaceFacts {
    pub name: String,
    /// `None` when the namespace could not be read (see `error`).
    pub labels: Option<BTreeMap<String, String>>,
    pub error: Option<String>,
}

impl NamespaceFacts {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .as_ref()
            .and_then(|l| l.get(&format!("{PSA_PREFIX}{key}")))
            .map(String::as_str)
    }

    /// The enforced Pod Security level and version (unlabelled: privileged, latest).
    pub fn enforce(&self) -> Option<(Level, PolicyVersion)> {
        self.labels.as_ref()?;
        let level = self
            .label("enforce")
            .and_then(|l| l.parse().ok())
            .unwrap_or(Level::Privileged);
        let version = self
            .label("enforce-version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(PolicyVersion::Latest);
        Some((level, version))
    }
}

/// The result of a server-side dry-run create of a mode's default Pod.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DryRun {
    pub mode: Mode,
    #[serde(flatten)]
    pub outcome: DryRunOutcome,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum DryRunOutcome {
    /// Admitted; `warnings` are the API's `Warning` headers (Pod Security warn mode...).
    Admitted { warnings: Vec<String> },
    /// Rejected by admission (Pod Security, SCC, validation): the API server's message.
    Rejected { message: String },
    /// The user may not create pods here (RBAC).
    Forbidden { message: String },
    /// The request failed for another reason.
    Failed { message: String },
    /// Not attempted (the mode's default bundle could not be built).
    NotRun { reason: String },
}

/// One SelfSubjectAccessReview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessCheck {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    /// What podwiz needs it for.
    pub purpose: String,
    /// `None` when the review itself failed (see `reason`).
    pub allowed: Option<bool>,
    pub reason: Option<String>,
}

impl AccessCheck {
    pub fn describe(&self) -> String {
        let res = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        match &self.namespace {
            Some(ns) => format!("{} {res} in namespace \"{ns}\"", self.verb),
            None => format!("{} {res}", self.verb),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Works,
    NeedsSetup,
    /// Admitted, but no node could be judged (none registered, or they cannot be listed):
    /// whether the pod runs is unknown.
    RuntimeNotJudged,
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Works => "works",
            Verdict::NeedsSetup => "needs-setup",
            Verdict::RuntimeNotJudged => "runtime-not-judged",
            Verdict::Blocked => "blocked",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeVerdict {
    pub mode: Mode,
    pub verdict: Verdict,
    pub reasons: Vec<String>,
}

/// What doctor says: facts, cluster-wide notes and the ranked modes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoctorReport {
    pub context: Option<ContextInfo>,
    pub server_version: Option<String>,
    pub openshift: Option<bool>,
    pub namespace: String,
    pub pod_security: BTreeMap<String, String>,
    pub nodes: NodeList,
    pub access: Vec<AccessCheck>,
    /// Cluster-wide observations.
    pub notes: Vec<String>,
    /// The default variant of each mode, in the order of `advice.modes` (each mode ranked by
    /// its safest variant that fits; modes that cannot run here last).
    pub modes: Vec<ModeVerdict>,
    /// The mode of `advice.safest_now`: the safest variant that works with nothing done first.
    pub recommended: Option<Mode>,
    /// Every mode's safest fitting variant, and the two recommendations.
    pub advice: super::advice::Advice,
}

impl DoctorReport {
    pub fn verdict(&self, mode: Mode) -> Option<&ModeVerdict> {
        self.modes.iter().find(|m| m.mode == mode)
    }
}

/// Security order, best first: user namespace, rootless without privilege, rootful without
/// privilege, the privileged modes, and the node's own Podman last (root on the node).
pub fn security_rank(mode: Mode) -> u8 {
    match mode {
        Mode::Userns => 0,
        Mode::RootlessNoPriv => 1,
        Mode::RootfulNoPriv => 2,
        Mode::RootlessPriv => 3,
        Mode::RootfulPriv => 4,
        Mode::Remote => 5,
    }
}

/// The options doctor judges a mode with: its defaults on this platform, in `namespace`.
pub fn default_options(namespace: &str, openshift: bool) -> Options {
    Options {
        namespace: Some(namespace.to_string()),
        platform: Some(if openshift {
            Platform::Openshift
        } else {
            Platform::Kubernetes
        }),
        ..Options::default()
    }
}

/// Judges the facts: pure, no I/O.
pub fn judge(facts: &ClusterFacts, only: Option<Mode>) -> DoctorReport {
    let mut notes = Vec::new();
    match &facts.server_version {
        Some(v) => notes.push(format!(
            "Kubernetes {} ({}.{})",
            v.git_version, v.major, v.minor
        )),
        None => notes.push("server version unknown".to_string()),
    }
    match facts.openshift {
        Some(true) => notes.push(format!("OpenShift ({OPENSHIFT_GROUP} is served)")),
        Some(false) => notes.push("not OpenShift".to_string()),
        None => notes.push("could not read API discovery: OpenShift unknown".to_string()),
    }
    if let Some(err) = &facts.nodes.error {
        notes.push(format!("cannot list nodes: {err}"));
    } else if facts.nodes.nodes.is_empty() {
        notes.push("no nodes registered: pods would stay Pending".to_string());
    }
    for node in &facts.nodes.nodes {
        let fuse = if node.fuse_resources.is_empty() {
            "no fuse resource".to_string()
        } else {
            node.fuse_resources.join(", ")
        };
        notes.push(format!(
            "node {}: {}, {fuse}",
            node.name,
            if node.container_runtime.is_empty() {
                "runtime unknown"
            } else {
                &node.container_runtime
            }
        ));
    }
    let mut pod_security = BTreeMap::new();
    if let Some(labels) = &facts.namespace.labels {
        for (k, v) in labels {
            if let Some(key) = k.strip_prefix(PSA_PREFIX) {
                pod_security.insert(key.to_string(), v.clone());
            }
        }
    }
    if let Some(err) = &facts.namespace.error {
        notes.push(format!(
            "cannot read namespace \"{}\": {err}",
            facts.namespace.name
        ));
    } else if pod_security.is_empty() {
        notes.push(format!(
            "namespace \"{}\" has no Pod Security labels (cluster default applies, usually privileged)",
            facts.namespace.name
        ));
    } else {
        let labels = pod_security
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(format!(
            "namespace \"{}\" Pod Security: {labels}",
            facts.namespace.name
        ));
    }
    for check in &facts.access {
        match check.allowed {
            Some(false) => notes.push(format!(
                "RBAC: you may not {} (needed to {})",
                check.describe(),
                check.purpose
            )),
            None => notes.push(format!(
                "RBAC: could not check {}: {}",
                check.describe(),
                check.reason.as_deref().unwrap_or("unknown error")
            )),
            Some(true) => {}
        }
    }

    let modes: Vec<Mode> = match only {
        Some(m) => vec![m],
        None => Mode::ALL.to_vec(),
    };
    let mut verdicts: Vec<ModeVerdict> = modes.into_iter().map(|m| judge_mode(facts, m)).collect();
    let advice = super::advice::advise(facts, only);
    let place = |mode: Mode| advice.modes.iter().position(|m| m.mode == mode);
    verdicts.sort_by_key(|v| (place(v.mode), security_rank(v.mode)));
    let recommended = advice.safest_now.as_ref().map(|v| v.mode);
    DoctorReport {
        context: facts.context.clone(),
        server_version: facts.server_version.as_ref().map(|v| v.git_version.clone()),
        openshift: facts.openshift,
        namespace: facts.namespace.name.clone(),
        pod_security,
        nodes: facts.nodes.clone(),
        access: facts.access.clone(),
        notes,
        modes: verdicts,
        recommended,
        advice,
    }
}

struct Judgement {
    verdict: Verdict,
    reasons: Vec<String>,
}

impl Judgement {
    fn at_least(&mut self, verdict: Verdict, reason: impl Into<String>) {
        self.verdict = self.verdict.max(verdict);
        self.reasons.push(reason.into());
    }
    fn note(&mut self, reason: impl Into<String>) {
        self.reasons.push(reason.into());
    }
}

fn access<'a>(facts: &'a ClusterFacts, verb: &str, resource: &str) -> Option<&'a AccessCheck> {
    facts
        .access
        .iter()
        .find(|a| a.verb == verb && a.resource == resource)
}

fn judge_mode(facts: &ClusterFacts, mode: Mode) -> ModeVerdict {
    let mut j = Judgement {
        verdict: Verdict::Works,
        reasons: Vec::new(),
    };
    let ns = &facts.namespace.name;
    let openshift = facts.openshift == Some(true);

    // RBAC: podwiz creates the pod.
    let pods_denied = access(facts, "create", "pods").is_some_and(|a| a.allowed == Some(false));
    if pods_denied {
        let who = facts
            .context
            .as_ref()
            .map(|c| format!("kubeconfig user \"{}\"", c.user))
            .unwrap_or_else(|| "you".to_string());
        j.at_least(
            Verdict::Blocked,
            format!("RBAC: {who} may not create pods in namespace \"{ns}\""),
        );
    }

    // Pod Security: the local model, then the API server's own answer.
    let bundle = scenario::build(mode, &default_options(ns, openshift));
    let dry_run = facts.dry_runs.iter().find(|d| d.mode == mode);
    if let Ok(bundle) = &bundle {
        let version = super::advice::policy_version(facts);
        let needed = pss::evaluate_pod(&bundle.pod, version).level;
        match facts.namespace.enforce() {
            Some((enforced, v)) => {
                // Levels are ordered most secure first: a pod fits when it is at least as secure.
                let fits = needed <= enforced;
                j.note(format!(
                    "Pod Security: its pod needs level {needed}; namespace \"{ns}\" enforces {enforced}:{v}"
                ));
                if !fits && dry_run.is_none() {
                    j.at_least(
                        Verdict::Blocked,
                        format!("Pod Security level {enforced} rejects a {needed}-level pod"),
                    );
                }
            }
            None => j.note(format!("Pod Security: its pod needs level {needed}")),
        }
    }
    match dry_run.map(|d| &d.outcome) {
        Some(DryRunOutcome::Admitted { warnings }) => {
            j.note(format!(
                "server-side dry run: the API server admits its pod in namespace \"{ns}\""
            ));
            for w in warnings {
                j.note(format!("API warning: {w}"));
            }
        }
        Some(DryRunOutcome::Rejected { message }) => j.at_least(
            Verdict::Blocked,
            format!("server-side dry run rejected: {message}"),
        ),
        Some(DryRunOutcome::Forbidden { message }) => {
            if pods_denied {
                j.note(format!("server-side dry run not allowed: {message}"));
            } else {
                j.at_least(
                    Verdict::Blocked,
                    format!("server-side dry run not allowed: {message}"),
                );
            }
        }
        Some(DryRunOutcome::Failed { message }) => {
            j.note(format!("server-side dry run failed: {message}"))
        }
        Some(DryRunOutcome::NotRun { reason }) => j.note(format!("no dry run: {reason}")),
        None => {}
    }
    if let Err(e) = &bundle {
        j.note(format!("its default bundle cannot be built: {e}"));
    }

    match mode {
        Mode::RootfulPriv | Mode::RootlessPriv => {
            if openshift {
                j.note("OpenShift: needs the privileged SCC (podwiz adds a ServiceAccount and a RoleBinding)");
                rolebinding_setup(facts, &mut j);
            }
        }
        Mode::Remote => {
            j.at_least(
                Verdict::NeedsSetup,
                "needs Podman's API socket running on the node (/var/run/podman/podman.sock); the pod is root on the node",
            );
        }
        Mode::RootlessNoPriv | Mode::RootfulNoPriv => fuse(facts, &mut j),
        Mode::Userns => {
            userns(facts, &mut j);
            fuse(facts, &mut j);
        }
    }
    if openshift && matches!(mode, Mode::RootlessNoPriv | Mode::Userns) {
        j.note("OpenShift: needs the nested-container SCC (podwiz adds a ServiceAccount and a RoleBinding)");
        rolebinding_setup(facts, &mut j);
    }
    // Admission says nothing about whether a pod runs: without nodes, do not say "works".
    if j.verdict != Verdict::Blocked {
        if facts.nodes.error.is_some() {
            j.at_least(
                Verdict::RuntimeNotJudged,
                "the nodes cannot be listed: whether its pod runs cannot be judged",
            );
        } else if facts.nodes.nodes.is_empty() {
            j.at_least(
                Verdict::RuntimeNotJudged,
                "no node is registered: whether its pod runs cannot be judged",
            );
        }
    }
    ModeVerdict {
        mode,
        verdict: j.verdict,
        reasons: j.reasons,
    }
}

fn rolebinding_setup(facts: &ClusterFacts, j: &mut Judgement) {
    for resource in ["serviceaccounts", "rolebindings"] {
        if access(facts, "create", resource).is_some_and(|a| a.allowed == Some(false)) {
            j.at_least(
                Verdict::NeedsSetup,
                format!("RBAC: you may not create {resource}: ask an admin to create it"),
            );
        }
    }
}

fn fuse(facts: &ClusterFacts, j: &mut Judgement) {
    if facts.openshift == Some(true) {
        j.note(
            "/dev/fuse: through CRI-O's io.kubernetes.cri-o.Devices annotation (OpenShift default)",
        );
        return;
    }
    if let Some(err) = &facts.nodes.error {
        j.note(format!(
            "/dev/fuse: not checked, cannot list nodes ({err}); a node must offer squat.ai/fuse or github.com/fuse"
        ));
        return;
    }
    let offering = |res: &str| {
        facts
            .nodes
            .nodes
            .iter()
            .filter(|n| n.fuse_resources.iter().any(|r| r == res))
            .map(|n| n.name.clone())
            .collect::<Vec<_>>()
    };
    let squat = offering("squat.ai/fuse");
    let github = offering("github.com/fuse");
    if !squat.is_empty() {
        j.note(format!(
            "/dev/fuse: squat.ai/fuse offered by node {}",
            squat.join(", ")
        ));
    } else if !github.is_empty() {
        j.note(format!(
            "/dev/fuse: github.com/fuse offered by node {} (use --fuse device-plugin)",
            github.join(", ")
        ));
    } else {
        j.at_least(
            Verdict::NeedsSetup,
            "/dev/fuse: no node offers squat.ai/fuse or github.com/fuse: install the generic device plugin DaemonSet in kube-system (podwiz generate prints it)",
        );
        if access(facts, "create", "daemonsets").is_some_and(|a| a.allowed == Some(false)) {
            j.note("RBAC: you may not create daemonsets in kube-system: ask a cluster admin to install the device plugin");
        }
        let crio: Vec<String> = facts
            .nodes
            .nodes
            .iter()
            .filter(|n| matches!(n.runtime(), Runtime::CriO(_)))
            .map(|n| n.name.clone())
            .collect();
        if !crio.is_empty() {
            j.note(format!(
                "alternative: --fuse crio-devices on the CRI-O node {} (needs /dev/fuse in allowed_devices of crio.conf)",
                crio.join(", ")
            ));
        }
    }
}

fn userns(facts: &ClusterFacts, j: &mut Judgement) {
    match &facts.server_version {
        Some(v) if v.major == 1 && v.minor < 25 => j.at_least(
            Verdict::Blocked,
            format!(
                "Kubernetes {}.{} has no user namespaces for pods (spec.hostUsers needs >= 1.33)",
                v.major, v.minor
            ),
        ),
        Some(v) if v.major == 1 && v.minor < 33 => j.at_least(
            Verdict::NeedsSetup,
            format!(
                "Kubernetes {}.{}: spec.hostUsers needs the UserNamespacesSupport feature gate (off by default before 1.33)",
                v.major, v.minor
            ),
        ),
        Some(v) if v.major == 1 && v.minor < 36 => j.note(format!(
            "Kubernetes {}.{}: spec.hostUsers is beta and on by default (>= 1.33; stable in 1.36)",
            v.major, v.minor
        )),
        Some(v) => j.note(format!(
            "Kubernetes {}.{}: spec.hostUsers is stable (since 1.36)",
            v.major, v.minor
        )),
        None => j.note("server version unknown: spec.hostUsers needs Kubernetes >= 1.33"),
    }
    if facts.nodes.error.is_some() || facts.nodes.nodes.is_empty() {
        j.note(
            "runtimes not checked: containerd < 2.0 silently ignores hostUsers (no user namespace)",
        );
        return;
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    for node in &facts.nodes.nodes {
        let label = format!("{} ({})", node.name, node.container_runtime);
        match node.runtime().supports_host_users() {
            Some(true) => good.push(label),
            Some(false) => bad.push(label),
            None => unknown.push(label),
        }
    }
    if !good.is_empty() {
        j.note(format!(
            "user namespaces supported by the runtime of node {}",
            good.join(", ")
        ));
    }
    if !bad.is_empty() {
        let why = "containerd < 2.0 silently ignores hostUsers and CRI-O < 1.25 lacks it: the pod would run without a user namespace";
        if good.is_empty() && unknown.is_empty() {
            j.at_least(
                Verdict::Blocked,
                format!(
                    "no node supports user namespaces: {} — {why}",
                    bad.join(", ")
                ),
            );
        } else {
            j.at_least(
                Verdict::NeedsSetup,
                format!(
                    "pin the pod with a nodeSelector: node {} cannot run it ({why})",
                    bad.join(", ")
                ),
            );
        }
    }
    if !unknown.is_empty() {
        j.note(format!(
            "unknown user-namespace support on node {}",
            unknown.join(", ")
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Gathering (async)
// ---------------------------------------------------------------------------------------------

/// Reads the cluster and judges it. `mode`: only judge (and dry-run) this one.
pub async fn run(conn: &Connection, mode: Option<Mode>) -> Result<DoctorReport, ClusterError> {
    let facts = gather(conn, mode).await?;
    Ok(judge(&facts, mode))
}

/// The RBAC checks doctor runs: (verb, group, resource, namespaced?, purpose).
fn access_requests(
    ns: &str,
) -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    Option<String>,
    &'static str,
)> {
    let ns = Some(ns.to_string());
    vec![
        ("create", "", "pods", ns.clone(), "create the pod"),
        (
            "patch",
            "",
            "pods",
            ns.clone(),
            "update the pod (server-side apply)",
        ),
        ("get", "", "pods", ns.clone(), "watch the pod start"),
        ("delete", "", "pods", ns.clone(), "remove the pod"),
        (
            "create",
            "apps",
            "daemonsets",
            Some("kube-system".to_string()),
            "install the /dev/fuse device plugin",
        ),
        (
            "create",
            "",
            "namespaces",
            None,
            "create the namespace (--create-namespace)",
        ),
        (
            "create",
            "",
            "serviceaccounts",
            ns.clone(),
            "create the pod's ServiceAccount (OpenShift)",
        ),
        (
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            ns,
            "bind the SCC to the ServiceAccount (OpenShift)",
        ),
    ]
}

/// A server-side dry-run create of `pod` in `ns`, with the Warning headers of its own answer
/// (requests run in parallel, so the connection's shared log cannot tell them apart).
async fn dry_run_pod(
    client: &kube::Client,
    ns: &str,
    pod: &Pod,
) -> (Result<Pod, kube::Error>, Vec<String>) {
    let params = PostParams {
        dry_run: true,
        field_manager: Some("podwiz".to_string()),
    };
    let body = match serde_json::to_vec(pod) {
        Ok(body) => body,
        Err(e) => return (Err(kube::Error::SerdeError(e)), Vec::new()),
    };
    let url = Api::<Pod>::namespaced(client.clone(), ns)
        .resource_url()
        .to_string();
    let mut request = match kube::core::Request::new(url).create(&params, body) {
        Ok(request) => request,
        Err(e) => return (Err(kube::Error::BuildRequest(e)), Vec::new()),
    };
    let sink = WarningSink::default();
    request.extensions_mut().insert(sink.clone());
    let result = client.request::<Pod>(request).await;
    (result, sink.take())
}

/// The SelfSubjectAccessReviews of [`access_requests`], all at once.
async fn access_checks(reviews: &Api<SelfSubjectAccessReview>, ns: &str) -> Vec<AccessCheck> {
    join_all(
        access_requests(ns)
            .into_iter()
            .map(|(verb, group, resource, namespace, purpose)| {
                let reviews = reviews.clone();
                async move {
                    let review = SelfSubjectAccessReview {
                        spec: SelfSubjectAccessReviewSpec {
                            resource_attributes: Some(ResourceAttributes {
                                verb: Some(verb.to_string()),
                                group: Some(group.to_string()),
                                resource: Some(resource.to_string()),
                                namespace: namespace.clone(),
                                ..ResourceAttributes::default()
                            }),
                            ..SelfSubjectAccessReviewSpec::default()
                        },
                        ..SelfSubjectAccessReview::default()
                    };
                    let (allowed, reason) =
                        match reviews.create(&PostParams::default(), &review).await {
                            Ok(r) => match r.status {
                                Some(s) => (Some(s.allowed), s.reason.filter(|r| !r.is_empty())),
                                None => (None, Some("no status in the review".to_string())),
                            },
                            Err(e) => (
                                None,
                                Some(
                                    ClusterError::from_kube(
                                        e,
                                        "create",
                                        "selfsubjectaccessreviews",
                                        None,
                                    )
                                    .to_string(),
                                ),
                            ),
                        };
                    AccessCheck {
                        verb: verb.to_string(),
                        group: group.to_string(),
                        resource: resource.to_string(),
                        namespace,
                        purpose: purpose.to_string(),
                        allowed,
                        reason,
                    }
                }
            }),
    )
    .await
}

/// Reads every fact doctor judges. Connection-level failures (unreachable, TLS, 401) and a
/// missing namespace are errors; per-fact 403s are recorded as facts.
pub async fn gather(conn: &Connection, only: Option<Mode>) -> Result<ClusterFacts, ClusterError> {
    let client = &conn.client;
    let ns = conn.info.namespace.clone();
    let fatal = |e: &ClusterError| {
        matches!(
            e,
            ClusterError::Unreachable { .. }
                | ClusterError::Tls { .. }
                | ClusterError::Unauthorized { .. }
                | ClusterError::Credentials { .. }
        )
    };

    // Wave 1: every read at once, over one connection. The dry-runs need to know whether this
    // is OpenShift (its Pod differs), so they are wave 2.
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let nodes_api = Api::<Node>::all(client.clone());
    let namespaces_api = Api::<Namespace>::all(client.clone());
    let all_nodes = ListParams::default();
    let (version, groups, node_list, namespace_read, access) = futures::join!(
        client.apiserver_version(),
        client.list_api_groups(),
        nodes_api.list(&all_nodes),
        namespaces_api.get(&ns),
        access_checks(&reviews, &ns),
    );
    let server_version = match version {
        Ok(info) => ServerVersion::parse(&info.git_version, &info.major, &info.minor),
        Err(e) => {
            let e = conn.error(e, "get", "version", None);
            if fatal(&e) {
                return Err(e);
            }
            None
        }
    };
    let openshift = match groups {
        Ok(groups) => Some(groups.groups.iter().any(|g| g.name == OPENSHIFT_GROUP)),
        Err(_) => None,
    };
    let nodes = match node_list {
        Ok(list) => NodeList {
            error: None,
            nodes: list.items.iter().map(NodeFacts::from_node).collect(),
        },
        Err(e) => NodeList {
            error: Some(conn.error(e, "list", "nodes", None).to_string()),
            nodes: Vec::new(),
        },
    };
    let namespace = match namespace_read {
        Ok(n) => NamespaceFacts {
            name: ns.clone(),
            labels: Some(n.metadata.labels.unwrap_or_default()),
            error: None,
        },
        Err(kube::Error::Api(status)) if status.code == 404 => {
            return Err(ClusterError::NamespaceNotFound { namespace: ns });
        }
        Err(e) => NamespaceFacts {
            name: ns.clone(),
            labels: None,
            error: Some(conn.error(e, "get", "namespaces", None).to_string()),
        },
    };

    let modes: Vec<Mode> = match only {
        Some(m) => vec![m],
        None => Mode::ALL.to_vec(),
    };
    // Wave 2: every mode's dry-run at once; each request collects its own Warning headers.
    let dry_runs = join_all(modes.into_iter().map(|mode| {
        let ns = ns.clone();
        async move {
            let outcome =
                match scenario::build(mode, &default_options(&ns, openshift == Some(true))) {
                    Err(e) => DryRunOutcome::NotRun {
                        reason: e.to_string(),
                    },
                    Ok(bundle) => {
                        let (result, warnings) = dry_run_pod(client, &ns, &bundle.pod).await;
                        match result {
                            Ok(_) => DryRunOutcome::Admitted { warnings },
                            Err(kube::Error::Api(status)) => {
                                let message = one_line(&status.message);
                                match status.code {
                                    // Exists already: admission passed before storage said so.
                                    409 => DryRunOutcome::Admitted { warnings },
                                    404 if status
                                        .details
                                        .as_ref()
                                        .is_some_and(|d| d.kind == "namespaces") =>
                                    {
                                        return Err(ClusterError::NamespaceNotFound {
                                            namespace: ns,
                                        });
                                    }
                                    403 if message.contains("cannot create resource") => {
                                        DryRunOutcome::Forbidden { message }
                                    }
                                    401 => {
                                        return Err(conn.error(
                                            kube::Error::Api(status),
                                            "create",
                                            "pods",
                                            Some(&ns),
                                        ));
                                    }
                                    _ => DryRunOutcome::Rejected { message },
                                }
                            }
                            Err(e) => {
                                let e = conn.error(e, "create", "pods", Some(&ns));
                                if fatal(&e) {
                                    return Err(e);
                                }
                                DryRunOutcome::Failed {
                                    message: e.to_string(),
                                }
                            }
                        }
                    }
                };
            Ok(DryRun { mode, outcome })
        }
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<DryRun>, ClusterError>>()?;

    Ok(ClusterFacts {
        context: Some(conn.info.clone()),
        server_version,
        openshift,
        nodes,
        namespace,
        dry_runs,
        access,
    })
}

// ---------------------------------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------------------------------

/// The report as text for the terminal.
pub fn render_text(report: &DoctorReport) -> String {
    let mut out = String::new();
    if let Some(c) = &report.context {
        let _ = writeln!(
            out,
            "context {} (cluster {}, {}), user {}, namespace {}",
            c.context, c.cluster, c.server, c.user, c.namespace
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "  - {note}");
    }
    let _ = writeln!(out);
    for line in super::advice::render_lines(&report.advice) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Modes, each by its safest variant that fits here:");
    for (i, v) in report.modes.iter().enumerate() {
        let advice = report.advice.modes.iter().find(|m| m.mode == v.mode);
        match advice.and_then(|m| m.safest.as_ref()) {
            Some(safest) => {
                let _ = writeln!(
                    out,
                    "{}. {} — {}",
                    i + 1,
                    super::advice::describe(safest),
                    safest.fit.as_str()
                );
                for need in &safest.needs {
                    let _ = writeln!(out, "     needs: {need}");
                }
                if let Some(now) = advice.and_then(|m| m.safest_now.as_ref()) {
                    let _ = writeln!(out, "     works now as: {}", super::advice::describe(now));
                }
            }
            None => {
                let _ = writeln!(out, "{}. {} — blocked", i + 1, v.mode);
            }
        }
        let _ = writeln!(
            out,
            "     its defaults (podwiz generate {}): {}",
            v.mode,
            v.verdict.as_str()
        );
        for r in &v.reasons {
            let _ = writeln!(out, "       {r}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Small parsers
// ---------------------------------------------------------------------------------------------

fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `1.31.0-rc.1` → [1, 31, 0].
fn parse_dotted(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in s.split('.') {
        match leading_number(part) {
            Some(n) => out.push(n),
            None => break,
        }
        if !part.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
    }
    out
}

fn version_at_least(v: &[u32], min: &[u32]) -> bool {
    for (i, m) in min.iter().enumerate() {
        let x = v.get(i).copied().unwrap_or(0);
        if x != *m {
            return x > *m;
        }
    }
    true
}

/// Whether a Kubernetes quantity is > 0 (`"1"`, `"1k"`, `"500m"`); unparsable → false.
fn quantity_positive(q: &str) -> bool {
    q.trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect::<String>()
        .parse::<f64>()
        .is_ok_and(|n| n > 0.0)
}

/// Cluster facts for the unit tests of doctor and of its advice.
#[cfg(test)]
pub(crate) mod test_facts {
    use super::*;

    /// A node whose runtime is `runtime` (e.g. `containerd://2.1.0`) and that advertises `fuse`.
    pub(crate) fn node(name: &str, runtime: &str, fuse: &[&str]) -> NodeFacts {
        NodeFacts {
            name: name.into(),
            container_runtime: runtime.into(),
            kernel_version: "6.12.0".into(),
            os_image: "test".into(),
            fuse_resources: fuse.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A cluster at v1.`minor`, not OpenShift, with an unlabelled namespace `ns`.
    pub(crate) fn facts(minor: u32, nodes: Vec<NodeFacts>) -> ClusterFacts {
        ClusterFacts {
            server_version: Some(ServerVersion {
                git_version: format!("v1.{minor}.0"),
                major: 1,
                minor,
            }),
            openshift: Some(false),
            nodes: NodeList { error: None, nodes },
            namespace: NamespaceFacts {
                name: "ns".into(),
                labels: Some(BTreeMap::new()),
                error: None,
            },
            ..ClusterFacts::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_facts::{facts, node};
    use super::*;

    fn verdict(r: &DoctorReport, m: Mode) -> &ModeVerdict {
        r.verdict(m).expect("judged")
    }

    #[test]
    fn old_kubernetes_gates_userns() {
        let nodes = || vec![node("n", "cri-o://1.31.0", &["squat.ai/fuse"])];
        let r = judge(&facts(24, nodes()), None);
        assert_eq!(verdict(&r, Mode::Userns).verdict, Verdict::Blocked);
        let r = judge(&facts(30, nodes()), None);
        let v = verdict(&r, Mode::Userns);
        assert_eq!(v.verdict, Verdict::NeedsSetup);
        assert!(
            v.reasons
                .iter()
                .any(|r| r.contains("UserNamespacesSupport feature gate"))
        );
        assert_eq!(r.recommended, Some(Mode::RootlessNoPriv));
        let r = judge(&facts(33, nodes()), None);
        let v = verdict(&r, Mode::Userns);
        assert_eq!(v.verdict, Verdict::Works);
        assert!(
            v.reasons
                .iter()
                .any(|r| r.contains("beta and on by default"))
        );
        // A 1.33 server judges Pod Security at v1.33: the rootless userns shape's procMount:
        // Unmasked is only baseline from v1.35, so rootless-no-priv is the safest that works.
        assert_eq!(r.recommended, Some(Mode::RootlessNoPriv));
        let r = judge(&facts(35, nodes()), None);
        assert_eq!(r.recommended, Some(Mode::Userns));
    }

    #[test]
    fn runtimes_and_versions() {
        assert_eq!(
            Runtime::parse("containerd://1.7.22").supports_host_users(),
            Some(false)
        );
        assert_eq!(
            Runtime::parse("containerd://2.0.5").supports_host_users(),
            Some(true)
        );
        assert_eq!(
            Runtime::parse("containerd://v2.1.0-rc.1").supports_host_users(),
            Some(true)
        );
        assert_eq!(
            Runtime::parse("cri-o://1.24.6").supports_host_users(),
            Some(false)
        );
        assert_eq!(
            Runtime::parse("cri-o://1.31.0").supports_host_users(),
            Some(true)
        );
        assert_eq!(
            Runtime::parse("docker://24.0.0").supports_host_users(),
            None
        );
        let v = ServerVersion::parse("v1.27.3-gke.100", "1", "27+").expect("parse");
        assert_eq!((v.major, v.minor), (1, 27));
        let v = ServerVersion::parse("v1.37.2", "", "").expect("parse");
        assert_eq!((v.major, v.minor), (1, 37));
        assert!(quantity_positive("1k") && !quantity_positive("0") && !quantity_positive("x"));
    }

    #[test]
    fn baseline_without_dry_run_is_predicted_from_the_pss_model() {
        let mut f = facts(37, vec![node("n", "cri-o://1.31.0", &["squat.ai/fuse"])]);
        f.namespace.labels = Some(BTreeMap::from([(
            "pod-security.kubernetes.io/enforce".to_string(),
            "baseline".to_string(),
        )]));
        let r = judge(&f, None);
        for m in [
            Mode::RootfulPriv,
            Mode::RootlessPriv,
            Mode::RootfulNoPriv,
            Mode::Remote,
        ] {
            assert_eq!(verdict(&r, m).verdict, Verdict::Blocked, "{m}");
        }
        assert_eq!(verdict(&r, Mode::RootlessNoPriv).verdict, Verdict::Works);
    }

    #[test]
    fn unknown_nodes_do_not_claim_fuse() {
        let mut f = facts(37, vec![]);
        f.nodes.error = Some("forbidden".into());
        let r = judge(&f, Some(Mode::RootlessNoPriv));
        let v = verdict(&r, Mode::RootlessNoPriv);
        assert!(
            v.reasons
                .iter()
                .any(|r| r.starts_with("/dev/fuse: not checked")),
            "{v:?}"
        );
    }
}
