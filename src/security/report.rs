//! The security report of a bundle: Pod Security level, findings on every object, what an attacker
//! gets, host changes, requirements and what works inside. Pure.

use serde::Serialize;

use super::assets::{self, Scope, When, assets};
use super::findings::{self, Finding};
use super::matrix::{self, Check, Verification};
use super::pss::{self, PssResult};
use k8s_openapi::api::core::v1::Pod;

use crate::scenario::{Bundle, Mode, Object, Resolved, Selinux, Storage};

/// What an attacker who controls the pod gets, in the pod or on the node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub scope: Scope,
    pub text: String,
    pub source: String,
}

/// Everything `podwiz explain` shows, and what the wizard's review builds on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub options: Resolved,
    /// The level of the user's pod: the headline. The add-on's own level is in `addon`.
    pub pss: PssResult,
    /// Critical first, then by field. Findings whose `object` is the add-on's are about the
    /// cluster add-on, not the pod (see [`Report::pod_findings`], [`Report::addon_findings`]).
    pub findings: Vec<Finding>,
    /// The cluster add-on this bundle relies on (the /dev/fuse device plugin DaemonSet),
    /// installed once by a cluster admin, not with every pod.
    pub addon: Option<Addon>,
    pub grants: Vec<Grant>,
    pub host_changes: Vec<String>,
    pub requirements: Vec<String>,
    /// Each claim with how far podwiz's node tests back it.
    pub works_inside: Vec<Claim>,
}

/// One "works inside" claim and its backing in the runtime matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub text: String,
    /// The node-test check behind the claim (None: no test checks it).
    pub check: Option<Check>,
    #[serde(flatten)]
    pub verification: Verification,
}

/// A cluster add-on of a bundle: installed once per cluster by an admin, privileged or not by its
/// own design, judged apart from the user's pod.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Addon {
    /// `daemonset/<name>`, as findings name it.
    pub object: String,
    /// The Pod Security level of its pod template (it runs in kube-system, not in the pod's
    /// namespace).
    pub level: pss::Level,
}

impl Report {
    /// The findings about the user's pod and what comes with it (ServiceAccount, the nodes'
    /// settings), without the add-on's.
    pub fn pod_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !self.is_addon(f))
    }

    /// The findings about the cluster add-on, installed once.
    pub fn addon_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| self.is_addon(f))
    }

    /// Whether a finding is about the cluster add-on rather than the pod.
    pub fn is_addon(&self, finding: &Finding) -> bool {
        self.addon
            .as_ref()
            .is_some_and(|a| a.object == finding.object)
    }
}

/// Facts about a bundle that the asset conditions test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// A container of the pod is privileged.
    pub privileged: bool,
    /// The pod has a user namespace (hostUsers: false or the CRI-O annotation).
    pub userns: bool,
    /// `spec.hostUsers: false` (Kubernetes' own user namespace).
    pub hostusers: bool,
    /// The pod's first container runs as uid 0.
    pub root: bool,
    /// A container adds SYS_ADMIN (or ALL).
    pub sys_admin: bool,
    /// A container engine socket is mounted.
    pub socket: bool,
    /// The pod mounts a hostPath.
    pub hostpath: bool,
    /// The pod gets /dev/fuse from a provider.
    pub fuse: bool,
}

impl Facts {
    pub const NAMES: [&'static str; 8] = [
        "privileged",
        "userns",
        "hostusers",
        "root",
        "sys_admin",
        "socket",
        "hostpath",
        "fuse",
    ];

    pub fn of(bundle: &Bundle) -> Facts {
        Facts {
            fuse: bundle.options.fuse.is_some(),
            ..Facts::of_pod(&bundle.pod)
        }
    }

    /// The facts a Pod shows by itself (`fuse` stays false: it comes from the bundle's options).
    pub fn of_pod(pod: &Pod) -> Facts {
        let meta = &pod.metadata;
        let default_spec = Default::default();
        let spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let containers = &spec.containers;
        let sc = |c: &k8s_openapi::api::core::v1::Container| c.security_context.clone();
        let host_paths: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .filter_map(|v| v.host_path.as_ref().map(|h| h.path.as_str()))
            .collect();
        Facts {
            privileged: containers
                .iter()
                .any(|c| sc(c).and_then(|s| s.privileged) == Some(true)),
            userns: findings::has_user_namespace(meta, spec),
            hostusers: spec.host_users == Some(false),
            root: containers.first().is_some_and(|c| {
                findings::runs_as_root(c.security_context.as_ref(), spec.security_context.as_ref())
            }),
            sys_admin: containers.iter().any(|c| {
                sc(c)
                    .and_then(|s| s.capabilities)
                    .and_then(|caps| caps.add)
                    .unwrap_or_default()
                    .iter()
                    .map(|cap| findings::normalize_capability(cap))
                    .any(|cap| cap == "SYS_ADMIN" || cap == "ALL")
            }),
            socket: host_paths
                .iter()
                .any(|p| findings::engine_socket(p).is_some()),
            hostpath: !host_paths.is_empty(),
            fuse: false,
        }
    }

    /// Whether a process that escapes the pod is root on the node: a privileged container, an
    /// engine socket (whoever drives it is root), or uid 0 without a user namespace.
    pub fn root_on_node(&self) -> bool {
        self.privileged || self.socket || (self.root && !self.userns)
    }

    pub fn get(&self, name: &str) -> Option<bool> {
        Some(match name {
            "privileged" => self.privileged,
            "userns" => self.userns,
            "hostusers" => self.hostusers,
            "root" => self.root,
            "sys_admin" => self.sys_admin,
            "socket" => self.socket,
            "hostpath" => self.hostpath,
            "fuse" => self.fuse,
            _ => return None,
        })
    }
}

/// The option words of a resolved bundle, as the asset conditions name them.
fn storage_word(storage: &Option<Storage>) -> Option<&'static str> {
    storage.as_ref().map(|s| match s {
        Storage::Emptydir => "emptydir",
        Storage::Hostpath(_) => "hostpath",
        Storage::Pvc(_) => "pvc",
        Storage::None => "none",
    })
}

/// Whether an asset condition holds for a mode, its options and facts.
pub fn applies(when: &When, mode: Mode, o: &Resolved, facts: &Facts) -> bool {
    let any = |list: &[String], value: Option<&str>| {
        list.is_empty() || value.is_some_and(|v| list.iter().any(|w| w == v))
    };
    let facts_hold = when.facts.iter().all(|f| match f.strip_prefix('!') {
        Some(name) => facts.get(name) == Some(false),
        None => facts.get(f) == Some(true),
    });
    facts_hold
        && any(&when.modes, Some(mode.id()))
        && any(&when.userns, o.userns.map(|u| u.as_str()))
        && any(&when.userns_shape, o.userns_shape.map(|u| u.as_str()))
        && any(&when.fuse, o.fuse.map(|f| f.as_str()))
        && any(&when.storage, storage_word(&o.storage))
        && any(&when.selinux, o.selinux.map(|s| s.as_str()))
        && any(&when.platform, Some(o.platform.as_str()))
}

/// The findings on every object of the bundle, and on the nodes, sorted.
pub fn bundle_findings(bundle: &Bundle) -> Vec<Finding> {
    // On the workload's template, with its field paths, so findings point at its YAML lines.
    let workload = bundle.workload();
    let mut out = match crate::scenario::workload::pod_template(&workload) {
        Some(t) => findings::findings_for_template(
            t.meta.unwrap_or(&Default::default()),
            t.spec.unwrap_or(&Default::default()),
            &workload.reference(),
            t.prefix,
        ),
        None => findings::findings_for_pod_object(&bundle.pod),
    };
    if let Some(ds) = &bundle.fuse_plugin {
        out.extend(findings::findings_for_daemonset(ds));
    }
    if bundle.options.selinux == Some(Selinux::HostDisabled) {
        out.push(findings::make(
            "selinux-host-disabled",
            "node",
            "options.selinux".to_string(),
            &[],
        ));
    }
    findings::sort(&mut out);
    out
}

/// The price of a bundle, as the wizard shows it next to each choice: the pod's Pod Security
/// level (newest policy) and whether an escape is root on the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Price {
    pub level: pss::Level,
    pub root_on_node: bool,
}

/// What applying `objects` risks, in one line for a confirmation prompt:
/// `privileged pod: root on the node`, plus the cluster add-on when there is one.
pub fn apply_risk(objects: &[Object]) -> String {
    // The Pod, or the pod template of the Job, Deployment, StatefulSet or CronJob that runs it
    // (a `--kind job` bundle or a rewritten Deployment has no Pod object of its own).
    let workload = objects.iter().find_map(template_pod);
    // A DaemonSet is the cluster add-on of a podwiz bundle, unless it is all there is (the
    // rewrite of someone's own DaemonSet): then it is the pod.
    let own_daemonset = workload.is_none();
    let pod = workload.or_else(|| {
        objects.iter().find_map(|o| match o {
            Object::DaemonSet(ds) => Some(Pod {
                metadata: ds.spec.template.metadata.clone().unwrap_or_default(),
                spec: ds.spec.template.spec.clone(),
                status: None,
            }),
            _ => None,
        })
    });
    let mut out = match pod.as_ref().map(Facts::of_pod) {
        Some(f) if f.privileged => "privileged pod: root on the node".to_string(),
        Some(f) if f.socket => {
            "pod that drives the node's container engine: root on the node".to_string()
        }
        Some(f) if f.root && !f.userns => {
            "root pod without a user namespace: an escape is root on the node".to_string()
        }
        Some(f) if f.userns => "user-namespaced pod: an escape is not root on the node".to_string(),
        Some(_) => "unprivileged non-root pod: an escape is not root on the node".to_string(),
        None => "no pod".to_string(),
    };
    for object in objects.iter().filter(|_| !own_daemonset) {
        if let Object::DaemonSet(ds) = object {
            let template = &ds.spec.template;
            let level = pss::evaluate(
                template.metadata.as_ref().unwrap_or(&Default::default()),
                template.spec.as_ref().unwrap_or(&Default::default()),
                pss::PolicyVersion::Latest,
            )
            .level;
            out.push_str(&format!(
                "; cluster add-on {} ({level}, installed once for every node)",
                object.reference()
            ));
        }
    }
    out
}

/// The Pod an object runs: the Pod itself, or a Pod made of the workload's template.
fn template_pod(object: &Object) -> Option<Pod> {
    use k8s_openapi::api::core::v1::PodTemplateSpec;
    let of = |t: &PodTemplateSpec| Pod {
        metadata: t.metadata.clone().unwrap_or_default(),
        spec: t.spec.clone(),
        status: None,
    };
    match object {
        Object::Pod(p) => Some(p.clone()),
        Object::Job(j) => j.spec.as_ref().map(|s| of(&s.template)),
        Object::Deployment(d) => Some(of(&d.spec.template)),
        Object::StatefulSet(s) => Some(of(&s.spec.template)),
        Object::CronJob(c) => c.spec.job_template.spec.as_ref().map(|s| of(&s.template)),
        _ => None,
    }
}

/// The [`Price`] of a bundle.
pub fn price(bundle: &Bundle) -> Price {
    price_at(bundle, pss::PolicyVersion::Latest)
}

/// [`price`] with the level judged at Pod Security policy `version` (the wizard's policy
/// version row).
pub fn price_at(bundle: &Bundle, version: pss::PolicyVersion) -> Price {
    Price {
        level: pss::evaluate_pod(&bundle.pod, version).level,
        root_on_node: Facts::of(bundle).root_on_node(),
    }
}

/// Assess a bundle at the newest Pod Security policy version.
pub fn assess(bundle: &Bundle) -> Report {
    assess_at(bundle, pss::PolicyVersion::Latest)
}

/// Assess a bundle at a Pod Security policy `version` (`--policy-version`; what a namespace's
/// `enforce-version` label selects). Only the level and its violations depend on it.
pub fn assess_at(bundle: &Bundle, version: pss::PolicyVersion) -> Report {
    let pss = pss::evaluate_pod(&bundle.pod, version);
    let addon = bundle.fuse_plugin.as_ref().map(|ds| {
        let empty_meta = Default::default();
        let empty_spec = Default::default();
        let template = &ds.spec.template;
        Addon {
            object: format!(
                "daemonset/{}",
                ds.metadata.name.as_deref().unwrap_or_default()
            ),
            level: pss::evaluate(
                template.metadata.as_ref().unwrap_or(&empty_meta),
                template.spec.as_ref().unwrap_or(&empty_spec),
                version,
            )
            .level,
        }
    });
    let facts = Facts::of(bundle);
    let a = assets();
    let o = &bundle.options;
    let grants = a
        .grants
        .iter()
        .filter(|g| applies(&g.when, bundle.mode, o, &facts))
        .map(|g| Grant {
            scope: g.scope,
            text: g.text.clone(),
            source: g.source.clone(),
        })
        .collect();
    let host_changes = bundle
        .host_steps
        .iter()
        .map(|step| format!("{} [{}]", step.title, step.node_scope.describe()))
        .collect();
    let mut requirements =
        vec![assets::label("requirement_pss").replace("{level}", pss.level.as_str())];
    requirements.extend(
        a.requirements
            .iter()
            .filter(|r| applies(&r.when, bundle.mode, o, &facts))
            .map(|r| r.text.clone()),
    );
    // The option words that pick the matrix rows, computed once for every claim.
    let words = matrix::bundle_words(bundle);
    let works_inside = a
        .works_inside
        .iter()
        .filter(|w| applies(&w.when, bundle.mode, o, &facts))
        .map(|w| Claim {
            text: w.text.clone(),
            check: w.check,
            verification: match w.check {
                Some(check) => match &words {
                    Ok(words) => matrix::lookup(bundle.mode, words, check),
                    Err(reason) => Verification::NotVerified {
                        reason: reason.clone(),
                    },
                },
                None => Verification::NotVerified {
                    reason: assets::label("verification_no_check").to_string(),
                },
            },
        })
        .collect();
    Report {
        mode: bundle.mode,
        options: bundle.options.clone(),
        pss,
        findings: bundle_findings(bundle),
        addon,
        grants,
        host_changes,
        requirements,
        works_inside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Kind, Options, build};

    #[test]
    fn the_risk_of_a_workload_is_read_from_its_pod_template() {
        for kind in [
            Kind::Job,
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::CronJob,
        ] {
            let options = Options {
                kind: Some(kind),
                ..Options::default()
            };
            let bundle = build(Mode::RootlessNoPriv, &options).expect("builds");
            let objects = bundle.objects();
            assert!(
                !objects.iter().any(|o| matches!(o, Object::Pod(_))),
                "{kind}: no Pod object"
            );
            let risk = apply_risk(&objects);
            assert!(
                risk.starts_with("unprivileged non-root pod: an escape is not root on the node;"),
                "{kind}: {risk}"
            );
        }
        let bundle = build(Mode::RootfulPriv, &Options::default()).expect("builds");
        assert!(apply_risk(&bundle.objects()).starts_with("privileged pod: root on the node"));
        // Someone's own DaemonSet (a rewrite applied from the wizard) is the pod, not an add-on.
        let no_priv = build(Mode::RootlessNoPriv, &Options::default()).expect("builds");
        let own: Vec<Object> = no_priv
            .objects()
            .into_iter()
            .filter(|o| matches!(o, Object::DaemonSet(_)))
            .collect();
        assert_eq!(own.len(), 1, "the rootless-no-priv bundle has its add-on");
        let risk = apply_risk(&own);
        assert!(!risk.contains("cluster add-on"), "{risk}");
        assert!(!risk.starts_with("no pod"), "{risk}");
    }
}
