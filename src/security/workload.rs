//! The security report of a manifest someone already runs: per pod template, the Pod Security
//! level, every finding with the container that carries it, the closest of the six modes judged
//! by the pod's shape, and a safer way applied to their own manifest. Pure.
//!
//! Decisions where the issue left room:
//! - A container runs a container engine when it mounts an engine socket, gets /dev/fuse, mounts
//!   containers storage, adds SYS_ADMIN, adds SETUID/SETGID or unmasks /proc in a user namespace,
//!   or its image is a Podman/Buildah/Docker-in-Docker one. `privileged` alone is not enough (a
//!   CNI agent is privileged and runs no engine). The image name is the weakest signal.
//! - The safer way keeps root inside only when the container asks for it explicitly
//!   (`runAsUser: 0`): then the rootful user-namespace shape; otherwise rootless without
//!   privilege (on OpenShift, podman's build makes that the rootless user-namespace shape with
//!   the nested-container SCC). Every mode builds images.
//! - No suggestion when the rewrite would change nothing (the pod already has the shape).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::findings::{self, Finding};
use super::pss::{self, Level, PolicyVersion, PssResult};
use crate::manifest::{Manifests, Skipped, Workload, WorkloadKind};
use crate::scenario::rewrite::{Change, RewritePlan, rewrite};
use crate::scenario::{
    self, CRIO_DEVICES_ANNOTATION, Fuse, HostStep, Mode, Options, Platform, ROOTFUL_CAPS,
    ROOTLESS_UID, Storage, Userns, UsernsShape,
};

const WORKLOAD_TOML: &str = include_str!("../../assets/workload.toml");

/// The texts of `assets/workload.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub labels: BTreeMap<String, String>,
    pub differences: BTreeMap<String, String>,
    pub differences_sources: BTreeMap<String, String>,
    pub changes: BTreeMap<String, String>,
}

/// The parsed texts; a parse error is a build bug (a unit test parses the file).
pub fn texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| match toml::from_str(WORKLOAD_TOML) {
        Ok(t) => t,
        Err(e) => panic!("assets/workload.toml: {e}"),
    })
}

/// `template` with `{key}` replaced by value.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    vars.iter().fold(template.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

fn from(table: &BTreeMap<String, String>, key: &str, vars: &[(&str, &str)]) -> String {
    fill(table.get(key).map(String::as_str).unwrap_or(key), vars)
}

/// A text of the `[labels]` table, filled in.
pub fn label(key: &str, vars: &[(&str, &str)]) -> String {
    from(&texts().labels, key, vars)
}

fn difference(key: &str, vars: &[(&str, &str)]) -> String {
    from(&texts().differences, key, vars)
}

fn change_text(key: &str, vars: &[(&str, &str)]) -> String {
    from(&texts().changes, key, vars)
}

// ---------------------------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------------------------

/// Where a container's /dev/fuse comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FuseSource {
    /// An extended resource such as `github.com/fuse` or `squat.ai/fuse`.
    Resource(String),
    /// CRI-O's `io.kubernetes.cri-o.Devices` annotation.
    CrioAnnotation,
    /// A hostPath volume of `/dev/fuse`.
    HostPath,
}

/// An engine socket a container mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketMount {
    pub volume: String,
    pub host_path: String,
    pub mount_path: String,
    pub engine: &'static str,
    /// `hostPath.type: Socket`: the socket file itself, not its directory.
    pub type_socket: bool,
}

/// What one container of a pod template does that matters for running an engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerShape {
    /// Index in `spec.containers`, or in `spec.initContainers` when `init`.
    pub index: usize,
    pub init: bool,
    pub name: String,
    pub image: Option<String>,
    pub privileged: bool,
    pub root: bool,
    /// `runAsUser: 0` set on the container or the pod.
    pub explicit_root: bool,
    pub uid: Option<i64>,
    /// Added capabilities, normalised (`SYS_ADMIN`), in input order without repeats.
    pub caps: Vec<String>,
    pub fuse: Option<FuseSource>,
    pub sockets: Vec<SocketMount>,
    /// Mount paths of containers storage (`/var/lib/containers...`, `.../.local/share/containers`).
    pub storage_mounts: Vec<String>,
    pub proc_unmasked: bool,
    pub engine_image: bool,
    /// The value of a `DOCKER_HOST` env var, if set.
    pub docker_host: Option<String>,
}

impl ContainerShape {
    fn has_cap(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c == cap)
    }
}

fn engine_image(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    let repo = lower.rsplit('/').next().unwrap_or(&lower);
    ["podman", "buildah"].iter().any(|e| lower.contains(e)) || repo.contains("dind")
}

/// The shapes of every container of a pod template (init containers first, like findings).
pub fn container_shapes(meta: &ObjectMeta, spec: &PodSpec) -> Vec<ContainerShape> {
    let psc = spec.security_context.as_ref();
    let crio_fuse = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(CRIO_DEVICES_ANNOTATION))
        .is_some_and(|v| v.contains("/dev/fuse"));
    let shape = |index: usize, init: bool, c: &Container| {
        let sc = c.security_context.as_ref();
        let uid = sc
            .and_then(|s| s.run_as_user)
            .or_else(|| psc.and_then(|p| p.run_as_user));
        let mut caps: Vec<String> = Vec::new();
        for cap in sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.as_ref())
            .into_iter()
            .flatten()
        {
            let cap = findings::normalize_capability(cap);
            if !caps.contains(&cap) {
                caps.push(cap);
            }
        }
        let mounts: Vec<_> = c.volume_mounts.iter().flatten().collect();
        let volume = |name: &str| spec.volumes.iter().flatten().find(|v| v.name == name);
        let mut sockets = Vec::new();
        let mut fuse_host_path = false;
        for m in &mounts {
            let Some(host_path) = volume(&m.name).and_then(|v| v.host_path.as_ref()) else {
                continue;
            };
            if host_path.path.trim_end_matches('/') == "/dev/fuse" {
                fuse_host_path = true;
            }
            if let Some(engine) = findings::engine_socket(&host_path.path) {
                sockets.push(SocketMount {
                    volume: m.name.clone(),
                    host_path: host_path.path.clone(),
                    mount_path: m.mount_path.clone(),
                    engine,
                    type_socket: host_path.type_.as_deref() == Some("Socket"),
                });
            }
        }
        let fuse_resource = c
            .resources
            .as_ref()
            .into_iter()
            .flat_map(|r| r.limits.iter().chain(r.requests.iter()))
            .flat_map(|m| m.keys())
            .find(|k| k.ends_with("/fuse"))
            .cloned();
        let fuse = match (fuse_resource, crio_fuse, fuse_host_path) {
            (Some(resource), _, _) => Some(FuseSource::Resource(resource)),
            (None, true, _) => Some(FuseSource::CrioAnnotation),
            (None, false, true) => Some(FuseSource::HostPath),
            (None, false, false) => None,
        };
        let storage_mounts = mounts
            .iter()
            .map(|m| m.mount_path.trim_end_matches('/'))
            .filter(|p| {
                *p == scenario::ROOTFUL_STORAGE
                    || p.starts_with("/var/lib/containers/")
                    || p.contains("/.local/share/containers")
            })
            .map(str::to_string)
            .collect();
        ContainerShape {
            index,
            init,
            name: c.name.clone(),
            image: c.image.clone(),
            privileged: sc.and_then(|s| s.privileged) == Some(true),
            root: findings::runs_as_root(sc, psc),
            explicit_root: uid == Some(0),
            uid,
            caps,
            fuse,
            sockets,
            storage_mounts,
            proc_unmasked: sc.and_then(|s| s.proc_mount.as_deref()) == Some("Unmasked"),
            engine_image: c.image.as_deref().is_some_and(engine_image),
            docker_host: c
                .env
                .iter()
                .flatten()
                .find(|e| e.name == "DOCKER_HOST")
                .and_then(|e| e.value.clone()),
        }
    };
    let mut out: Vec<ContainerShape> = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| shape(i, true, c))
        .collect();
    out.extend(
        spec.containers
            .iter()
            .enumerate()
            .map(|(i, c)| shape(i, false, c)),
    );
    out
}

/// The closest mode of one container and how it differs from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeMatch {
    pub mode: Mode,
    /// For mode userns: root inside (rootful) or uid 1000 with SETUID/SETGID (rootless).
    pub userns_shape: Option<UsernsShape>,
    pub differences: Vec<String>,
}

/// Whether anything in the container runs a container engine (see the module's decisions).
pub fn runs_engine(c: &ContainerShape, userns: bool) -> bool {
    !c.sockets.is_empty()
        || c.fuse.is_some()
        || !c.storage_mounts.is_empty()
        || c.has_cap("SYS_ADMIN")
        || c.has_cap("ALL")
        || (userns && (c.has_cap("SETUID") || c.has_cap("SETGID") || c.proc_unmasked))
        || c.engine_image
}

fn caps_diff(c: &ContainerShape, expected: &[&str], out: &mut Vec<String>) {
    let extra: Vec<&str> = c
        .caps
        .iter()
        .map(String::as_str)
        .filter(|cap| !expected.contains(cap))
        .collect();
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|cap| !c.has_cap(cap) && !c.has_cap("ALL"))
        .collect();
    if !extra.is_empty() {
        out.push(difference("extra_caps", &[("value", &extra.join(", "))]));
    }
    if !missing.is_empty() {
        out.push(difference(
            "missing_caps",
            &[("value", &missing.join(", "))],
        ));
    }
}

fn fuse_diff(c: &ContainerShape, out: &mut Vec<String>) {
    match c.fuse {
        None => out.push(difference("missing_fuse", &[])),
        Some(FuseSource::HostPath) => out.push(difference("fuse_host_path", &[])),
        Some(_) => {}
    }
}

fn root_value(c: &ContainerShape) -> String {
    match c.uid {
        Some(_) => "runAsUser: 0".to_string(),
        None => "runAsUser not set".to_string(),
    }
}

/// The closest of the six modes to a container, by shape; `None` when it runs no engine.
pub fn closest(c: &ContainerShape, userns: bool) -> Option<ModeMatch> {
    if !runs_engine(c, userns) {
        return None;
    }
    let mut diffs = Vec::new();
    let uid = c.uid.map(|u| u.to_string()).unwrap_or_default();
    let (mode, shape) = if !c.sockets.is_empty() {
        if c.privileged {
            diffs.push(difference("privileged_on_socket", &[]));
        }
        caps_diff(c, &[], &mut diffs);
        for socket in &c.sockets {
            if socket.type_socket {
                diffs.push(difference("socket_type", &[("path", &socket.host_path)]));
            }
        }
        if let Some(podman) = c.sockets.iter().find(|s| s.engine == "Podman") {
            let path = if podman.mount_path.ends_with(".sock") {
                podman.mount_path.clone()
            } else {
                format!("{}/podman.sock", podman.mount_path.trim_end_matches('/'))
            };
            diffs.push(difference("docker_host", &[("path", &path)]));
        }
        if let Some(value) = &c.docker_host {
            diffs.push(difference(
                "docker_host_set",
                &[("container", &c.name), ("value", value)],
            ));
        }
        (Mode::Remote, None)
    } else if c.privileged {
        if !c.caps.is_empty() {
            diffs.push(difference(
                "caps_under_privileged",
                &[("value", &c.caps.join(", "))],
            ));
        }
        if c.root {
            (Mode::RootfulPriv, None)
        } else {
            if c.uid != Some(ROOTLESS_UID) {
                diffs.push(difference("rootless_uid", &[("uid", &uid)]));
            }
            (Mode::RootlessPriv, None)
        }
    } else if userns {
        let rootful = c.root || c.has_cap("SYS_ADMIN");
        if rootful {
            caps_diff(c, &ROOTFUL_CAPS, &mut diffs);
            if !c.root {
                diffs.push(difference("runs_as_uid", &[("uid", &uid)]));
            }
        } else {
            caps_diff(c, &["SETUID", "SETGID"], &mut diffs);
            if !c.proc_unmasked {
                diffs.push(difference("proc_masked", &[]));
            }
        }
        fuse_diff(c, &mut diffs);
        let shape = if rootful {
            UsernsShape::Rootful
        } else {
            UsernsShape::Rootless
        };
        (Mode::Userns, Some(shape))
    } else if c.has_cap("SYS_ADMIN") || c.has_cap("ALL") {
        caps_diff(c, &ROOTFUL_CAPS, &mut diffs);
        if !c.root {
            diffs.push(difference("runs_as_uid", &[("uid", &uid)]));
        }
        fuse_diff(c, &mut diffs);
        (Mode::RootfulNoPriv, None)
    } else {
        if c.root {
            diffs.push(difference("runs_as_root", &[("value", &root_value(c))]));
        } else if c.uid != Some(ROOTLESS_UID) {
            diffs.push(difference("rootless_uid", &[("uid", &uid)]));
        }
        caps_diff(c, &[], &mut diffs);
        fuse_diff(c, &mut diffs);
        (Mode::RootlessNoPriv, None)
    };
    Some(ModeMatch {
        mode,
        userns_shape: shape,
        differences: diffs,
    })
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// One container in the report: its closest mode and the ids of the findings it carries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerReport {
    pub name: String,
    pub image: Option<String>,
    pub init: bool,
    pub mode: Option<Mode>,
    /// Finding ids (in the object's `findings`) that concern this container, including pod-level
    /// volumes it mounts (an engine socket).
    pub findings: Vec<String>,
}

/// The closest mode of the pod template: that of the container that runs the engine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeReport {
    pub id: Option<Mode>,
    pub differences: Vec<String>,
}

/// The safer way: the mode, the level after, the changes in words and the rewritten object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub mode: Mode,
    /// For mode userns: root inside or uid 1000.
    #[serde(skip)]
    pub userns_shape: Option<UsernsShape>,
    pub level: Level,
    pub changes: Vec<String>,
    pub manifest: serde_json::Value,
    /// The typed rewritten object (for YAML output, the diff and apply).
    #[serde(skip)]
    pub workload: Workload,
    #[serde(skip)]
    pub level_before: Level,
    #[serde(skip)]
    pub host_steps: Vec<HostStep>,
    /// What the rewrite did, structured.
    #[serde(skip)]
    pub change_list: Vec<Change>,
}

/// The report of one pod template (`-o json`: one element of `objects`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkloadReport {
    pub kind: WorkloadKind,
    pub name: String,
    pub namespace: Option<String>,
    pub containers: Vec<ContainerReport>,
    pub mode: ModeReport,
    pub pss: PssResult,
    pub findings: Vec<Finding>,
    pub suggestion: Option<Suggestion>,
    /// `kind/name`, as kubectl prints it.
    #[serde(skip)]
    pub reference: String,
    /// The finding's container name (same order as `findings`), `None` for the pod as a whole.
    #[serde(skip)]
    pub finding_containers: Vec<Option<String>>,
    /// The object as read.
    #[serde(skip)]
    pub original: Workload,
}

/// The report of a whole input (`-o json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ManifestReport {
    pub objects: Vec<WorkloadReport>,
    pub skipped: Vec<Skipped>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// The container a finding's field points at: `…spec.containers[1]…` → that container; a
/// volume → every container mounting it (the first one is returned, others get the id too).
fn finding_container(field: &str, prefix: &str, spec: &PodSpec) -> (Option<String>, Vec<String>) {
    let rest = field.strip_prefix(prefix).unwrap_or(field);
    let index = |list: &str| -> Option<usize> {
        let tail = rest.strip_prefix(&format!("spec.{list}["))?;
        tail.split(']').next()?.parse().ok()
    };
    if let Some(i) = index("containers") {
        let name = spec.containers.get(i).map(|c| c.name.clone());
        return (name.clone(), name.into_iter().collect());
    }
    if let Some(i) = index("initContainers") {
        let name = spec
            .init_containers
            .as_ref()
            .and_then(|c| c.get(i))
            .map(|c| c.name.clone());
        return (name.clone(), name.into_iter().collect());
    }
    if let Some(i) = index("volumes")
        && let Some(volume) = spec.volumes.as_ref().and_then(|v| v.get(i))
    {
        let users: Vec<String> = spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
            .filter(|c| {
                c.volume_mounts
                    .iter()
                    .flatten()
                    .any(|m| m.name == volume.name)
            })
            .map(|c| c.name.clone())
            .collect();
        return (users.first().cloned(), users);
    }
    (None, Vec::new())
}

fn platform_of(meta: &ObjectMeta, template_meta: &ObjectMeta) -> Platform {
    let openshift = [meta, template_meta].iter().any(|m| {
        m.annotations
            .iter()
            .flatten()
            .any(|(k, _)| k.starts_with("openshift.io/"))
    });
    if openshift {
        Platform::Openshift
    } else {
        Platform::Kubernetes
    }
}

fn evaluate(w: &Workload, version: PolicyVersion) -> Option<PssResult> {
    match w {
        Workload::Pod(pod) => Some(pss::evaluate_pod(pod, version)),
        _ => w
            .template()
            .map(|(meta, spec)| pss::evaluate(meta, spec, version)),
    }
}

/// Assess one pod template at `version`. `None` when the object has no template (the reader
/// skips those; this keeps the function total).
pub fn assess_workload(w: &Workload, version: PolicyVersion) -> Option<WorkloadReport> {
    let (meta, spec) = w.template()?;
    let reference = w.reference();
    let prefix = w.kind().template_prefix();
    let pss = evaluate(w, version)?;
    let found = findings::findings_for_template(meta, spec, &reference, prefix);
    let mut finding_containers = Vec::with_capacity(found.len());
    let mut per_container: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &found {
        let (first, all) = finding_container(&f.field, prefix, spec);
        for name in all {
            let ids = per_container.entry(name).or_default();
            if !ids.contains(&f.id) {
                ids.push(f.id.clone());
            }
        }
        finding_containers.push(first);
    }
    let userns = findings::has_user_namespace(meta, spec);
    let shapes = container_shapes(meta, spec);
    let matches: Vec<Option<ModeMatch>> = shapes.iter().map(|c| closest(c, userns)).collect();
    let containers = shapes
        .iter()
        .zip(&matches)
        .map(|(c, m)| ContainerReport {
            name: c.name.clone(),
            image: c.image.clone(),
            init: c.init,
            mode: m.as_ref().map(|m| m.mode),
            findings: per_container.remove(&c.name).unwrap_or_default(),
        })
        .collect();
    // The pod's mode: its first regular container that runs an engine, else an init container.
    let engine = shapes
        .iter()
        .zip(&matches)
        .filter(|(_, m)| m.is_some())
        .min_by_key(|(c, _)| (c.init, c.index));
    let several = matches.iter().filter(|m| m.is_some()).count() > 1;
    let mode = match engine {
        Some((c, Some(m))) => ModeReport {
            id: Some(m.mode),
            differences: m
                .differences
                .iter()
                .map(|d| {
                    if several {
                        format!("{}: {d}", c.name)
                    } else {
                        d.clone()
                    }
                })
                .collect(),
        },
        _ => ModeReport {
            id: None,
            differences: Vec::new(),
        },
    };
    let suggestion = match engine {
        Some((c, Some(m))) if !c.init => suggest(w, c, m, version, pss.level),
        _ => None,
    };
    Some(WorkloadReport {
        kind: w.kind(),
        name: w.name(),
        namespace: w.namespace().map(str::to_string),
        containers,
        mode,
        pss,
        findings: found,
        suggestion,
        reference,
        finding_containers,
        original: w.without_server_fields(),
    })
}

/// The least-privileged mode that keeps what the container needs, applied to their manifest.
fn suggest(
    w: &Workload,
    c: &ContainerShape,
    now: &ModeMatch,
    version: PolicyVersion,
    level_before: Level,
) -> Option<Suggestion> {
    let (meta, template_meta) = (w.metadata(), w.template()?.0);
    let platform = platform_of(meta, template_meta);
    // Root inside when they ask for it; rootless otherwise. On OpenShift, rootless Podman runs in
    // a user namespace with the nested-container SCC (OpenShift 4.20's documented pattern).
    let (target, userns_shape) = match (c.explicit_root, platform) {
        (true, _) => (Mode::Userns, Some(UsernsShape::Rootful)),
        (false, Platform::Openshift) => (Mode::Userns, Some(UsernsShape::Rootless)),
        (false, Platform::Kubernetes) => (Mode::RootlessNoPriv, None),
    };
    // Already that shape: nothing safer to offer.
    if now.mode == target && now.userns_shape == userns_shape && now.differences.is_empty() {
        return None;
    }
    let fuse = match &c.fuse {
        Some(FuseSource::Resource(r)) if r == "github.com/fuse" => Some(Fuse::DevicePlugin),
        Some(FuseSource::Resource(r)) if r == "squat.ai/fuse" => Some(Fuse::GenericDevicePlugin),
        Some(FuseSource::CrioAnnotation) => Some(Fuse::CrioDevices),
        _ => None,
    };
    let base = Options {
        userns: (target == Mode::Userns).then_some(Userns::Hostusers),
        userns_shape,
        fuse,
        storage: Some(Storage::None),
        // OpenShift's bundle names the namespace in its SCC RoleBinding; the rewrite itself never
        // sets one.
        namespace: Some(w.namespace().unwrap_or("default").to_string()),
        platform: Some(platform),
        ..Options::default()
    };
    // Their image and name where podwiz's rules accept them; the mode's defaults otherwise (only
    // the container's security fields are taken from the bundle, never its name or image).
    let with_theirs = Options {
        image: c.image.clone(),
        ..base.clone()
    };
    let bundle = scenario::build(target, &with_theirs)
        .or_else(|_| scenario::build(target, &base))
        .ok()?;
    let plan = RewritePlan {
        container: c.index,
        bundle: &bundle,
        drop_volumes: c.sockets.iter().map(|s| s.volume.clone()).collect(),
    };
    let (rewritten, change_list) = rewrite(&w.without_server_fields(), &plan);
    if change_list.is_empty() {
        return None;
    }
    let level = evaluate(&rewritten, version)?.level;
    let mut changes: Vec<String> = change_list.iter().map(change_words).collect();
    changes.push(change_text("kept", &[]));
    Some(Suggestion {
        mode: target,
        userns_shape,
        level,
        changes,
        manifest: rewritten.to_value(),
        workload: rewritten,
        level_before,
        host_steps: bundle.host_steps.clone(),
        change_list,
    })
}

/// A change in words, from `assets/workload.toml`.
pub fn change_words(change: &Change) -> String {
    match change {
        Change::DropPrivileged { container } => {
            change_text("drop_privileged", &[("container", container)])
        }
        Change::SetCaps {
            container,
            caps,
            drop,
        } => change_text(
            if drop.is_empty() {
                "set_caps"
            } else {
                "set_caps_drop"
            },
            &[
                ("container", container),
                ("value", &caps.join(", ")),
                ("drop", &drop.join(", ")),
            ],
        ),
        Change::DropCaps { container, caps } => change_text(
            "drop_caps",
            &[("container", container), ("value", &caps.join(", "))],
        ),
        Change::RunAsUser { container, uid } => change_text(
            "run_as_user",
            &[("container", container), ("uid", &uid.to_string())],
        ),
        Change::RunAsRoot { container } => change_text("run_as_root", &[("container", container)]),
        Change::AllowEscalation { container } => {
            change_text("allow_escalation", &[("container", container)])
        }
        Change::ProcMount { container } => change_text("proc_mount", &[("container", container)]),
        Change::SelinuxType { container, value } => change_text(
            "selinux_type",
            &[("container", container), ("value", value)],
        ),
        Change::FuseLimit {
            container,
            resource,
        } => change_text(
            "fuse_limit",
            &[("container", container), ("value", resource)],
        ),
        Change::Annotation { key, value } => {
            change_text("annotation", &[("value", &format!("{key}: {value}"))])
        }
        Change::HostUsers => change_text("host_users", &[]),
        Change::DropMount {
            container,
            volume,
            path,
        } => change_text(
            "drop_mount",
            &[("container", container), ("volume", volume), ("path", path)],
        ),
        Change::DropVolume { volume, path } => {
            change_text("drop_volume", &[("volume", volume), ("path", path)])
        }
        Change::MoveStorage {
            container,
            volume,
            from,
            to,
        } => change_text(
            "move_storage",
            &[
                ("container", container),
                ("volume", volume),
                ("value", from),
                ("path", to),
            ],
        ),
        Change::OpenshiftScc { service_account } => {
            change_text("openshift_scc", &[("value", service_account)])
        }
    }
}

/// Assess every pod template read from one input.
pub fn assess_manifests(manifests: &Manifests, version: PolicyVersion) -> ManifestReport {
    let mut skipped = manifests.skipped.clone();
    let mut objects = Vec::new();
    for w in &manifests.workloads {
        match assess_workload(w, version) {
            Some(report) => objects.push(report),
            None => skipped.push(Skipped {
                kind: w.kind().to_string(),
                name: w.name(),
                reason: "it has no pod template".into(),
            }),
        }
    }
    ManifestReport {
        objects,
        skipped,
        warnings: manifests.warnings.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_parse_and_every_change_has_words() {
        let t = texts();
        for key in [
            "drop_privileged",
            "set_caps",
            "set_caps_drop",
            "drop_caps",
            "run_as_user",
            "run_as_root",
            "allow_escalation",
            "proc_mount",
            "selinux_type",
            "fuse_limit",
            "annotation",
            "host_users",
            "drop_mount",
            "drop_volume",
            "move_storage",
            "openshift_scc",
            "kept",
        ] {
            assert!(t.changes.contains_key(key), "changes.{key}");
        }
        assert!(t.labels.contains_key("source"));
        assert!(t.differences.contains_key("source"));
    }

    #[test]
    fn engine_images_are_a_weak_signal_only() {
        assert!(engine_image("quay.io/podman/stable"));
        assert!(engine_image("quay.io/buildah/stable:v1.40"));
        assert!(engine_image("docker:27-dind"));
        assert!(!engine_image("jenkins/inbound-agent"));
        assert!(!engine_image("nginx"));
    }
}
