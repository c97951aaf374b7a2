//! doctor's advice: every mode ranked by its safest variant that fits the cluster, and the two
//! recommendations a reviewer can sign ("safest now", "safest after setup"). Pure: judges the
//! [`ClusterFacts`] doctor gathered, never talks to the cluster.
//!
//! Decisions where the issue left room:
//! - "Safest" orders by the pod's Pod Security level (at the policy version the namespace
//!   enforces), then by whether an escape is root on the node, then by the mode's own order
//!   ([`security_rank`]), then by how few changes the variant makes to the mode's defaults.
//! - A variant "fits" unless something rules it out (admission, RBAC, Kubernetes version, no
//!   node that could run it). Among fitting variants, "works now" needs nothing done first.
//! - With no nodes (or nodes podwiz may not list) nothing "works now": the runtime side cannot
//!   be judged. The admission side still can, so "safest after setup" is still given.
//! - A variant only differs from the mode's defaults in the choices that decide whether it runs
//!   (`--userns`, `--userns-shape`, `--fuse`, `--selinux`); storage and names stay the defaults.

use serde::Serialize;

use super::doctor::{
    ClusterFacts, DryRunOutcome, NodeFacts, Runtime, default_options, security_rank,
};
use crate::scenario::{self, Apparmor, Bundle, Fuse, Mode, Options, Selinux, Userns, UsernsShape};
use crate::security::pss::{self, Level, PolicyVersion};
use crate::security::report::Facts;

/// How one variant fits the cluster. Ordered best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    /// Nothing to do first.
    Works,
    /// Works once the steps in `needs` are done.
    NeedsSetup,
    /// Admission was judged, the runtime side was not: no node is registered, or nodes cannot
    /// be listed.
    Unjudged,
    /// Cannot run here (see `blocked_by`).
    Blocked,
}

impl Fit {
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Works => "works",
            Fit::NeedsSetup => "needs-setup",
            Fit::Unjudged => "runtime-not-judged",
            Fit::Blocked => "blocked",
        }
    }
}

/// One variant of a mode, judged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantAdvice {
    pub mode: Mode,
    /// The flags that make this variant, beyond `podwiz generate MODE` (empty: the defaults).
    pub flags: Vec<String>,
    /// The Pod Security level its pod needs, at `policy_version`.
    pub level: Level,
    pub policy_version: PolicyVersion,
    /// Whether a process that escapes the pod is root on the node.
    pub root_on_node: bool,
    /// What it costs in security, in one sentence.
    pub cost: String,
    pub fit: Fit,
    /// What has to be done first (empty when it works now).
    pub needs: Vec<String>,
    /// Why it cannot run here (empty unless blocked).
    pub blocked_by: Vec<String>,
}

impl VariantAdvice {
    /// `podwiz generate MODE FLAGS…`, to write exactly this variant.
    pub fn command(&self) -> String {
        let mut words = vec!["podwiz generate".to_string(), self.mode.id().to_string()];
        words.extend(self.flags.iter().cloned());
        words.join(" ")
    }

    fn safety_key(&self) -> (Level, bool, u8, usize) {
        (
            self.level,
            self.root_on_node,
            security_rank(self.mode),
            self.flags.len(),
        )
    }
}

/// One mode: its safest variant that fits, and its safest that works now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeAdvice {
    pub mode: Mode,
    /// The safest variant that is not blocked; `None` when every variant is.
    pub safest: Option<VariantAdvice>,
    /// The safest variant that works now, when it differs from `safest`.
    pub safest_now: Option<VariantAdvice>,
    /// Why the mode cannot run here, when every variant is blocked (the default's reasons).
    pub blocked_by: Vec<String>,
}

/// doctor's recommendation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advice {
    /// The policy version the levels are judged at: the namespace's `enforce-version`, or the
    /// server's own version for `latest` (what the API server's admission runs).
    pub policy_version: PolicyVersion,
    /// Why the runtime side could not be judged, when it could not.
    pub runtime_not_judged: Option<String>,
    /// The safest variant that works with nothing done first.
    pub safest_now: Option<VariantAdvice>,
    /// The safest variant once its setup is done, when it is safer than `safest_now`.
    pub safest_after_setup: Option<VariantAdvice>,
    /// Modes ranked by their safest fitting variant; modes that cannot run here last.
    pub modes: Vec<ModeAdvice>,
    /// What the nodes' AppArmor means for each mode, when a node likely runs it.
    pub apparmor: Vec<String>,
}

/// Whether AppArmor is likely on for a node, from its OS image and kernel: `Some(true)` for the
/// families that enable it by default (Ubuntu, Debian, SUSE, Container-Optimized OS, and
/// Ubuntu's cloud kernels), `Some(false)` for the SELinux families and minimal node OSes,
/// `None` when podwiz cannot tell. A guess: only the node's kernel knows.
pub fn apparmor_likely(node: &NodeFacts) -> Option<bool> {
    let os = node.os_image.to_ascii_lowercase();
    let kernel = node.kernel_version.to_ascii_lowercase();
    let on = ["ubuntu", "debian", "suse", "sles", "container-optimized os"];
    let off = [
        "red hat",
        "rhel",
        "centos",
        "fedora",
        "rocky",
        "alma",
        "amazon linux",
        "bottlerocket",
        "flatcar",
        "talos",
        "coreos",
        "oracle linux",
    ];
    if on.iter().any(|o| os.contains(o)) {
        Some(true)
    } else if off.iter().any(|o| os.contains(o)) {
        Some(false)
    } else if ["-generic", "-aws", "-azure", "-gcp", "-gke"]
        .iter()
        .any(|k| kernel.contains(k))
    {
        // Ubuntu kernel flavours, e.g. 6.8.0-1015-aws.
        Some(true)
    } else {
        None
    }
}

/// What AppArmor on the nodes means, mode by mode (empty when no node likely runs it).
fn apparmor_notes(facts: &ClusterFacts) -> Vec<String> {
    let on: Vec<String> = facts
        .nodes
        .nodes
        .iter()
        .filter(|n| apparmor_likely(n) == Some(true))
        .map(|n| format!("{} ({}, kernel {})", n.name, n.os_image, n.kernel_version))
        .collect();
    if on.is_empty() {
        return Vec::new();
    }
    vec![
        format!("AppArmor is likely on for node {}", on.join(", ")),
        "rootless-no-priv, rootful-no-priv, userns: the runtime's default profile denies Podman's mounts there; use --apparmor localhost:NAME (a host step loads podwiz's profile, keeps baseline; not verified by podwiz) or --apparmor unconfined (leaves baseline)".to_string(),
        "rootful-priv, rootless-priv: a privileged container runs unconfined anyway".to_string(),
        "remote: podman --remote mounts nothing in the pod; the node's Podman is not confined by the pod's profile".to_string(),
    ]
}

/// The policy version the API server would judge a pod in this namespace at: the namespace's
/// `enforce-version` label; for `latest` (or no label), the server's own minor version, as
/// pod-security-admission resolves `latest`. `Latest` when neither is known.
pub fn policy_version(facts: &ClusterFacts) -> PolicyVersion {
    policy_version_of(&facts.namespace, facts.server_version.as_ref())
}

/// [`policy_version`] of a namespace on a server. A label newer than the server counts as the
/// server's version: pod-security-admission judges a version it does not know with its newest
/// checks.
pub fn policy_version_of(
    namespace: &super::doctor::NamespaceFacts,
    server: Option<&super::doctor::ServerVersion>,
) -> PolicyVersion {
    let server_minor = server.filter(|v| v.major == 1).map(|v| v.minor);
    match (namespace.enforce().map(|(_, v)| v), server_minor) {
        (Some(PolicyVersion::V(minor)), Some(newest)) => PolicyVersion::V(minor.min(newest)),
        (Some(PolicyVersion::V(minor)), None) => PolicyVersion::V(minor),
        (_, Some(newest)) => PolicyVersion::V(newest),
        (_, None) => PolicyVersion::Latest,
    }
}

/// The variants podwiz tries for a mode, defaults first.
fn candidates(mode: Mode, base: &Options) -> Vec<Options> {
    let with = |f: &dyn Fn(&mut Options)| {
        let mut o = base.clone();
        f(&mut o);
        o
    };
    let fuses = [
        None,
        Some(Fuse::GenericDevicePlugin),
        Some(Fuse::DevicePlugin),
        Some(Fuse::CrioDevices),
    ];
    let selinuxes = [None, Some(Selinux::None)];
    let apparmors = [
        None,
        Some(Apparmor::Localhost(Apparmor::DEFAULT_PROFILE.to_string())),
        Some(Apparmor::Unconfined),
    ];
    let mut out = Vec::new();
    match mode {
        Mode::RootfulPriv | Mode::RootlessPriv | Mode::Remote => out.push(base.clone()),
        Mode::RootlessNoPriv | Mode::RootfulNoPriv | Mode::Userns => {
            let shapes: &[Option<UsernsShape>] = if mode == Mode::Userns {
                &[
                    None,
                    Some(UsernsShape::Rootless),
                    Some(UsernsShape::Rootful),
                ]
            } else {
                &[None]
            };
            let usernses: &[Option<Userns>] = if mode == Mode::Userns {
                &[None, Some(Userns::CrioAnnotation)]
            } else {
                &[None]
            };
            for shape in shapes {
                for userns in usernses {
                    for fuse in fuses {
                        for selinux in selinuxes {
                            for apparmor in &apparmors {
                                out.push(with(&|o| {
                                    o.userns_shape = *shape;
                                    o.userns = *userns;
                                    o.fuse = fuse;
                                    o.selinux = selinux;
                                    o.apparmor = apparmor.clone();
                                }));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The flags a resolved variant needs beyond the mode's defaults.
fn flags(bundle: &Bundle, default: Option<&Bundle>) -> Vec<String> {
    let o = &bundle.options;
    let d = default.map(|b| &b.options);
    let mut out = Vec::new();
    if o.userns_shape != d.and_then(|d| d.userns_shape)
        && let Some(shape) = o.userns_shape
    {
        out.push(format!("--userns-shape {shape}"));
    }
    if o.userns != d.and_then(|d| d.userns)
        && let Some(userns) = o.userns
    {
        out.push(format!("--userns {userns}"));
    }
    if o.fuse != d.and_then(|d| d.fuse)
        && let Some(fuse) = o.fuse
    {
        out.push(format!("--fuse {fuse}"));
    }
    if o.selinux != d.and_then(|d| d.selinux)
        && let Some(selinux) = o.selinux
    {
        out.push(format!("--selinux {selinux}"));
    }
    if o.apparmor != d.and_then(|d| d.apparmor.clone())
        && let Some(apparmor) = &o.apparmor
    {
        out.push(format!("--apparmor {apparmor}"));
    }
    out
}

/// What a pod costs in security, from its facts.
fn cost(facts: &Facts, level: Level) -> String {
    let what = if facts.privileged {
        "privileged pod: every capability and host device, root on the node if anything escapes"
    } else if facts.socket {
        "drives the node's container engine: whoever controls the pod is root on the node"
    } else if facts.root && !facts.userns && facts.sys_admin {
        "root with SYS_ADMIN and no user namespace: an escape is root on the node"
    } else if facts.root && !facts.userns {
        "root without a user namespace: an escape is root on the node"
    } else if facts.userns {
        "root only inside a user namespace: an escape lands as an unprivileged node user"
    } else {
        "runs as uid 1000: an escape lands as an unprivileged user"
    };
    format!("Pod Security {level}; {what}")
}

/// Nodes of the facts, or why the runtime side cannot be judged.
fn runtime_not_judged(facts: &ClusterFacts) -> Option<String> {
    if let Some(err) = &facts.nodes.error {
        Some(format!(
            "the nodes cannot be listed ({err}): whether a pod runs here cannot be judged, only whether it is admitted"
        ))
    } else if facts.nodes.nodes.is_empty() {
        Some(
            "no node is registered: whether a pod runs here cannot be judged, only whether it is admitted"
                .to_string(),
        )
    } else {
        None
    }
}

struct Judged {
    needs: Vec<String>,
    blocked_by: Vec<String>,
}

fn judge_variant(facts: &ClusterFacts, bundle: &Bundle, level: Level, is_default: bool) -> Judged {
    let mut j = Judged {
        needs: Vec::new(),
        blocked_by: Vec::new(),
    };
    let mode = bundle.mode;
    let o = &bundle.options;
    let ns = &facts.namespace.name;
    let openshift = facts.openshift == Some(true);
    let nodes = &facts.nodes.nodes;
    let nodes_known = facts.nodes.error.is_none() && !nodes.is_empty();
    let denied = |verb: &str, resource: &str| {
        facts
            .access
            .iter()
            .any(|a| a.verb == verb && a.resource == resource && a.allowed == Some(false))
    };

    // Admission: RBAC, then Pod Security (the API server's own answer for the default pod).
    if denied("create", "pods") {
        j.blocked_by.push(format!(
            "RBAC: you may not create pods in namespace \"{ns}\""
        ));
    }
    let dry_run = facts
        .dry_runs
        .iter()
        .find(|d| d.mode == mode)
        .filter(|_| is_default);
    match dry_run.map(|d| &d.outcome) {
        Some(DryRunOutcome::Rejected { message }) => j
            .blocked_by
            .push(format!("server-side dry run rejected: {message}")),
        Some(DryRunOutcome::Admitted { .. }) => {}
        _ => {
            if let Some((enforced, version)) = facts.namespace.enforce()
                && level > enforced
            {
                j.blocked_by.push(format!(
                    "namespace \"{ns}\" enforces Pod Security {enforced}:{version}, this pod needs {level}"
                ));
            }
        }
    }

    // Kubernetes' own user namespaces.
    if o.userns == Some(Userns::Hostusers) {
        match &facts.server_version {
            Some(v) if v.major == 1 && v.minor < 25 => j.blocked_by.push(format!(
                "Kubernetes {}.{} has no user namespaces for pods (spec.hostUsers)",
                v.major, v.minor
            )),
            Some(v) if v.major == 1 && v.minor < 33 => j.needs.push(format!(
                "turn on the UserNamespacesSupport feature gate (off by default in Kubernetes {}.{})",
                v.major, v.minor
            )),
            _ => {}
        }
        if nodes_known {
            let unsupported: Vec<&str> = nodes
                .iter()
                .filter(|n| n.runtime().supports_host_users() == Some(false))
                .map(|n| n.name.as_str())
                .collect();
            if unsupported.len() == nodes.len() {
                j.blocked_by.push(format!(
                    "no node's runtime gives the pod a user namespace (containerd < 2.0, CRI-O < 1.25): {}",
                    unsupported.join(", ")
                ));
            } else if !unsupported.is_empty() {
                j.needs.push(format!(
                    "keep the pod off node {} with a nodeSelector (its runtime ignores hostUsers)",
                    unsupported.join(", ")
                ));
            }
        }
    }
    let crio_nodes: Vec<&str> = nodes
        .iter()
        .filter(|n| matches!(n.runtime(), Runtime::CriO(_)))
        .map(|n| n.name.as_str())
        .collect();
    if o.userns == Some(Userns::CrioAnnotation) {
        if nodes_known && crio_nodes.is_empty() {
            j.blocked_by
                .push("the CRI-O user namespace annotation needs a CRI-O node; none here".into());
        } else {
            j.needs.push(
                "a host step on each CRI-O node: allow the userns annotation and add /etc/subuid ranges"
                    .into(),
            );
        }
    }

    // /dev/fuse.
    let offered = |resource: &str| {
        nodes
            .iter()
            .any(|n| n.fuse_resources.iter().any(|r| r == resource))
    };
    match o.fuse {
        Some(Fuse::GenericDevicePlugin) if !(nodes_known && offered("squat.ai/fuse")) => {
            j.needs.push(
                "the cluster add-on (installed once, by an admin): the generic device plugin DaemonSet in kube-system, privileged by design"
                    .into(),
            );
        }
        Some(Fuse::DevicePlugin) if !(nodes_known && offered("github.com/fuse")) => {
            j.needs.push(
                "the cluster add-on (installed once, by an admin): the article's fuse device plugin DaemonSet in kube-system"
                    .into(),
            );
        }
        Some(Fuse::CrioDevices) if !openshift => {
            if nodes_known && crio_nodes.is_empty() {
                j.blocked_by
                    .push("the CRI-O devices annotation needs a CRI-O node; none here".into());
            } else {
                j.needs.push(
                    "a host step on each CRI-O node: allow /dev/fuse in allowed_devices and the devices annotation"
                        .into(),
                );
            }
        }
        _ => {}
    }

    // SELinux.
    match o.selinux {
        Some(Selinux::HostDisabled) => j
            .needs
            .push("a host step on each node: SELinux permissive (weakens the node)".into()),
        Some(Selinux::None) => j.needs.push(
            "nodes that do not enforce SELinux (no host step; do not switch it off for this)"
                .into(),
        ),
        _ => {}
    }
    // AppArmor: the runtime's default profile denies mount on nodes that run AppArmor.
    let apparmor: Vec<(&str, Option<bool>)> = nodes
        .iter()
        .map(|n| (n.name.as_str(), apparmor_likely(n)))
        .collect();
    let on: Vec<&str> = apparmor
        .iter()
        .filter(|(_, a)| *a == Some(true))
        .map(|(n, _)| *n)
        .collect();
    match &o.apparmor {
        Some(Apparmor::RuntimeDefault) if nodes_known && !on.is_empty() => {
            if on.len() == nodes.len() {
                j.blocked_by.push(format!(
                    "AppArmor is likely on for every node ({}): the runtime's default profile denies Podman's mounts",
                    on.join(", ")
                ));
            } else {
                j.needs.push(format!(
                    "keep the pod off node {} (AppArmor likely on: the runtime's default profile denies Podman's mounts)",
                    on.join(", ")
                ));
            }
        }
        Some(Apparmor::Localhost(name)) => {
            if nodes_known && apparmor.iter().all(|(_, a)| *a == Some(false)) {
                j.blocked_by.push(
                    "AppArmor is likely off on every node: the kubelet refuses a pod that names a Localhost profile"
                        .into(),
                );
            } else {
                j.needs.push(format!(
                    "a host step on every node: load the AppArmor profile {name} (podwiz writes it; not verified by podwiz)"
                ));
            }
        }
        _ => {}
    }
    if mode == Mode::Remote {
        j.needs
            .push("a host step on the pod's node: Podman's API socket (systemctl enable --now podman.socket)".into());
    }
    if openshift {
        for resource in ["serviceaccounts", "rolebindings"] {
            if denied("create", resource) {
                j.needs.push(format!(
                    "an admin creates the {resource} (RBAC: you may not)"
                ));
            }
        }
    }
    j
}

/// Judges every variant of every mode (or of `only`).
pub fn advise(facts: &ClusterFacts, only: Option<Mode>) -> Advice {
    let version = policy_version(facts);
    let not_judged = runtime_not_judged(facts);
    let base = default_options(&facts.namespace.name, facts.openshift == Some(true));
    let modes: Vec<Mode> = match only {
        Some(m) => vec![m],
        None => Mode::ALL.to_vec(),
    };
    let mut all = Vec::new();
    let mut per_mode = Vec::new();
    for mode in modes {
        let default = scenario::build(mode, &base).ok();
        let mut variants: Vec<VariantAdvice> = Vec::new();
        let mut default_blocked = Vec::new();
        for options in candidates(mode, &base) {
            let Ok(bundle) = scenario::build(mode, &options) else {
                continue;
            };
            let variant_flags = flags(&bundle, default.as_ref());
            if variants.iter().any(|v| v.flags == variant_flags) {
                continue;
            }
            let level = pss::evaluate_pod(&bundle.pod, version).level;
            let pod_facts = Facts::of(&bundle);
            let judged = judge_variant(facts, &bundle, level, variant_flags.is_empty());
            let fit = if !judged.blocked_by.is_empty() {
                Fit::Blocked
            } else if not_judged.is_some() {
                Fit::Unjudged
            } else if !judged.needs.is_empty() {
                Fit::NeedsSetup
            } else {
                Fit::Works
            };
            if variant_flags.is_empty() {
                default_blocked = judged.blocked_by.clone();
            }
            variants.push(VariantAdvice {
                mode,
                flags: variant_flags,
                level,
                policy_version: version,
                root_on_node: pod_facts.root_on_node(),
                cost: cost(&pod_facts, level),
                fit,
                needs: judged.needs,
                blocked_by: judged.blocked_by,
            });
        }
        variants.sort_by_key(VariantAdvice::safety_key);
        let safest = variants.iter().find(|v| v.fit != Fit::Blocked).cloned();
        let safest_now = variants
            .iter()
            .find(|v| v.fit == Fit::Works)
            .filter(|now| Some(*now) != safest.as_ref())
            .cloned();
        all.extend(variants);
        per_mode.push(ModeAdvice {
            mode,
            blocked_by: if safest.is_none() {
                default_blocked
            } else {
                Vec::new()
            },
            safest,
            safest_now,
        });
    }
    per_mode.sort_by_key(|m| match &m.safest {
        Some(v) => (0, Some(v.safety_key())),
        None => (1, Some((Level::Privileged, true, security_rank(m.mode), 0))),
    });
    all.sort_by_key(VariantAdvice::safety_key);
    let safest_now = all.iter().find(|v| v.fit == Fit::Works).cloned();
    let safest_after_setup = all
        .iter()
        .find(|v| matches!(v.fit, Fit::NeedsSetup | Fit::Unjudged | Fit::Works))
        .filter(|v| v.fit != Fit::Works)
        .filter(|after| {
            safest_now
                .as_ref()
                .is_none_or(|now| after.safety_key() < now.safety_key())
        })
        .cloned();
    Advice {
        apparmor: apparmor_notes(facts),
        policy_version: version,
        runtime_not_judged: not_judged,
        safest_now,
        safest_after_setup,
        modes: per_mode,
    }
}

/// The variant line: `userns (baseline, root on the node: no) — podwiz generate userns --fuse …`.
pub fn describe(v: &VariantAdvice) -> String {
    format!(
        "{} ({}, root on the node: {}) — {}",
        v.mode,
        v.level,
        if v.root_on_node { "yes" } else { "no" },
        v.command()
    )
}

/// The recommendation as text lines, for doctor's terminal output.
pub fn render_lines(advice: &Advice) -> Vec<String> {
    let mut out = Vec::new();
    match (&advice.safest_now, &advice.runtime_not_judged) {
        (Some(now), _) => {
            out.push(format!("Safest now: {}", describe(now)));
            out.push(format!("  costs: {}", now.cost));
        }
        (None, Some(why)) => out.push(format!("Safest now: cannot say: {why}")),
        (None, None) => out.push("Safest now: no mode works here as is".to_string()),
    }
    if let Some(after) = &advice.safest_after_setup {
        out.push(format!("Safest after setup: {}", describe(after)));
        out.push(format!("  costs: {}", after.cost));
        if after.needs.is_empty() {
            out.push("  needs: nodes that can run it".to_string());
        }
        for need in &after.needs {
            out.push(format!("  needs: {need}"));
        }
    }
    out.push(format!(
        "(Pod Security levels judged at policy {})",
        advice.policy_version
    ));
    for note in &advice.apparmor {
        out.push(format!("AppArmor: {note}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cluster::doctor::test_facts::{facts, node};

    #[test]
    fn no_nodes_means_the_runtime_side_is_not_judged() {
        let advice = advise(&facts(37, vec![]), None);
        assert!(advice.safest_now.is_none(), "{advice:#?}");
        assert!(
            advice
                .runtime_not_judged
                .as_deref()
                .is_some_and(|w| w.contains("no node is registered"))
        );
        let after = advice.safest_after_setup.expect("admission is judged");
        assert_eq!(after.mode, Mode::Userns);
        assert_eq!(after.level, Level::Baseline);
        assert!(!after.root_on_node);
        assert!(after.flags.contains(&"--userns-shape rootless".to_string()));
        let lines = render_lines(&advise(&facts(37, vec![]), None)).join("\n");
        assert!(lines.contains("Safest now: cannot say"), "{lines}");
        assert!(!lines.contains("best security"), "{lines}");
    }

    #[test]
    fn a_privileged_pod_is_never_called_safe_without_its_price() {
        // containerd 1.7, no fuse: only the privileged modes work now.
        let advice = advise(
            &facts(37, vec![node("n", "containerd://1.7.22", &[])]),
            None,
        );
        let now = advice.safest_now.as_ref().expect("privileged modes work");
        assert_eq!(now.mode, Mode::RootlessPriv);
        assert!(now.root_on_node);
        assert!(now.cost.contains("root on the node"), "{}", now.cost);
        let after = advice.safest_after_setup.as_ref().expect("a safer one");
        assert_eq!(after.mode, Mode::RootlessNoPriv);
        assert_eq!(after.fit, Fit::NeedsSetup);
        assert!(after.needs.iter().any(|n| n.contains("cluster add-on")));
        let lines = render_lines(&advice).join("\n");
        assert!(
            lines.contains("costs: Pod Security privileged; privileged pod"),
            "{lines}"
        );
    }

    #[test]
    fn userns_is_ranked_by_its_rootless_shape() {
        let advice = advise(
            &facts(37, vec![node("n", "cri-o://1.31.0", &["squat.ai/fuse"])]),
            None,
        );
        let now = advice.safest_now.expect("works");
        assert_eq!(now.mode, Mode::Userns);
        assert_eq!(now.level, Level::Baseline);
        assert_eq!(now.flags, ["--userns-shape rootless"]);
        assert!(advice.safest_after_setup.is_none());
        assert_eq!(advice.modes[0].mode, Mode::Userns);
    }

    #[test]
    fn apparmor_nodes_move_the_advice_to_a_local_profile() {
        let mut n = node("n", "cri-o://1.31.0", &["squat.ai/fuse"]);
        n.os_image = "Ubuntu 24.04.1 LTS".into();
        assert_eq!(apparmor_likely(&n), Some(true));
        let advice = advise(&facts(37, vec![n.clone()]), None);
        let after = advice
            .safest_after_setup
            .as_ref()
            .expect("a profile keeps baseline");
        assert_eq!(after.level, Level::Baseline);
        assert!(
            after
                .flags
                .contains(&"--apparmor localhost:podwiz-podman".to_string()),
            "{after:#?}"
        );
        assert!(after.needs.iter().any(|n| n.contains("not verified")));
        let now = advice.safest_now.as_ref().expect("something works now");
        assert_ne!(now.level, Level::Baseline, "{now:#?}");
        assert!(advice.apparmor[0].contains("Ubuntu 24.04.1 LTS"));
        // The default runtime profile is blocked for the modes that mount.
        let rootless = advice
            .modes
            .iter()
            .find(|m| m.mode == Mode::RootlessNoPriv)
            .and_then(|m| m.safest.as_ref())
            .expect("fits with a profile");
        assert!(rootless.flags.iter().any(|f| f.starts_with("--apparmor")));
        // SELinux families: AppArmor off, and a Localhost profile would be refused.
        n.os_image = "Red Hat Enterprise Linux CoreOS 9.6".into();
        assert_eq!(apparmor_likely(&n), Some(false));
        let advice = advise(&facts(37, vec![n]), None);
        assert!(advice.apparmor.is_empty());
        assert_eq!(
            advice.safest_now.map(|v| v.flags),
            Some(vec!["--userns-shape rootless".to_string()])
        );
    }

    #[test]
    fn the_policy_version_is_the_labels_or_the_servers() {
        let mut f = facts(30, vec![]);
        assert_eq!(policy_version(&f), PolicyVersion::V(30));
        f.namespace.labels = Some(BTreeMap::from([(
            "pod-security.kubernetes.io/enforce-version".to_string(),
            "v1.28".to_string(),
        )]));
        assert_eq!(policy_version(&f), PolicyVersion::V(28));
        f.namespace.labels = Some(BTreeMap::from([(
            "pod-security.kubernetes.io/enforce-version".to_string(),
            "latest".to_string(),
        )]));
        assert_eq!(policy_version(&f), PolicyVersion::V(30));
        f.server_version = None;
        assert_eq!(policy_version(&f), PolicyVersion::Latest);
    }
}
