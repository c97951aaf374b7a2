//! Findings beyond Pod Security: what a reviewer should know about a pod spec, with the field it
//! comes from. Works on any Pod or pod template, not just podwiz's own. Pure; never panics on input.
//!
//! Decisions where the issue left room:
//! - A hostPath that exposes an engine socket (the socket file, its directory, `/run/user/N/podman`,
//!   or `/`, `/run`, `/var/run` which hold them all) is reported once, as `engine-socket`
//!   (critical), not also as `host-path`.
//! - `allowPrivilegeEscalation`: explicit `true` is medium; unset is low (it means allowed); neither
//!   is reported when the container is privileged or adds SYS_ADMIN/ALL, which imply it.
//! - seccomp/AppArmor/SELinux-type findings are skipped on privileged containers (unconfined
//!   anyway, said by `privileged`). An unset seccomp profile is low: the kubelet runs Unconfined
//!   unless seccompDefault is on.
//! - SYS_ADMIN is high without a user namespace, medium with one (`cap-sys-admin-userns`).
//! - Root: runAsUser 0, or unset without runAsNonRoot (container value over pod value). A user
//!   namespace is `hostUsers: false` or the CRI-O annotation.
//! - Pinned image: a digest, or a tag `[v]X.Y.Z` with an optional `-suffix`/`+suffix`
//!   (`v5.2.1-immutable`). Everything else is mutable: none, `latest`, `stable`, `v5`, `5.2`.

use std::fmt;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Pod, PodSecurityContext, PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::assets::{assets, label};

/// How bad a finding is. Ordered most severe first: `Critical < High < ... < Info` in `Ord`, so
/// sorting ascending puts critical findings first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// A symbol that tells the severity apart without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Severity::Critical => "!!",
            Severity::High => "!",
            Severity::Medium => "~",
            Severity::Low => "-",
            Severity::Info => "i",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about one field of one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id, the key in `assets/security.toml` (e.g. `engine-socket`).
    pub id: String,
    pub severity: Severity,
    /// The object, as kubectl names it: `pod/podman-remote`, `daemonset/generic-device-plugin`,
    /// or `node` for host changes.
    pub object: String,
    /// Path of the field inside that object, e.g. `spec.containers[0].securityContext.privileged`.
    pub field: String,
    pub title: String,
    pub detail: String,
    pub source: String,
}

/// Capabilities Pod Security baseline allows in `capabilities.add` (the policy's own list).
pub use super::pss::BASELINE_CAPABILITIES;

pub use crate::scenario::CRIO_USERNS_ANNOTATION;
const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Sort critical first, then by field, then object and id (deterministic).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, &a.field, &a.object, &a.id).cmp(&(b.severity, &b.field, &b.object, &b.id))
    });
}

/// Findings for a Pod's metadata and spec; field paths start at the Pod (`spec.`, `metadata.`).
pub fn findings_for_pod(meta: &ObjectMeta, spec: &PodSpec, object_ref: &str) -> Vec<Finding> {
    findings_at(meta, spec, object_ref, "")
}

/// Findings for any pod template: `prefix` is the path from the object to the template with a
/// trailing dot (`spec.template.`, `spec.jobTemplate.spec.template.`, `template.`, or empty for a
/// Pod), `object_ref` names the object (`deployment/ci`).
pub fn findings_for_template(
    meta: &ObjectMeta,
    spec: &PodSpec,
    object_ref: &str,
    prefix: &str,
) -> Vec<Finding> {
    findings_at(meta, spec, object_ref, prefix)
}

/// Findings for a whole Pod object, referenced as `pod/<name>`.
pub fn findings_for_pod_object(pod: &Pod) -> Vec<Finding> {
    let empty = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    findings_for_pod(&pod.metadata, spec, &format!("pod/{name}"))
}

/// Findings for a DaemonSet's pod template; field paths start at the DaemonSet
/// (`spec.template.spec.`), the object is `daemonset/<name>`.
pub fn findings_for_daemonset(ds: &DaemonSet) -> Vec<Finding> {
    let name = ds.metadata.name.as_deref().unwrap_or_default();
    let template = &ds.spec.template;
    let empty_meta = ObjectMeta::default();
    let empty_spec = PodSpec::default();
    let meta = template.metadata.as_ref().unwrap_or(&empty_meta);
    let spec = template.spec.as_ref().unwrap_or(&empty_spec);
    findings_at(meta, spec, &format!("daemonset/{name}"), "spec.template.")
}

/// A finding from its asset entry, with placeholders filled in.
pub(crate) fn make(id: &str, object: &str, field: String, vars: &[(&str, &str)]) -> Finding {
    let fill = |text: &str| {
        vars.iter().fold(text.to_string(), |acc, (key, value)| {
            acc.replace(&format!("{{{key}}}"), value)
        })
    };
    match assets().findings.get(id) {
        Some(text) => Finding {
            id: id.to_string(),
            severity: text.severity,
            object: object.to_string(),
            field,
            title: fill(&text.title),
            detail: fill(&text.detail),
            source: text.source.clone(),
        },
        // Every id used here is checked against the assets by a test; never reached in practice.
        None => Finding {
            id: id.to_string(),
            severity: Severity::Info,
            object: object.to_string(),
            field,
            title: id.to_string(),
            detail: String::new(),
            source: String::new(),
        },
    }
}

/// The finding ids this module can produce, for the assets completeness test.
pub const FINDING_IDS: &[&str] = &[
    "privileged",
    "engine-socket",
    "host-path",
    "host-namespace",
    "cap-sys-admin",
    "cap-sys-admin-userns",
    "cap-all",
    "cap-not-baseline",
    "run-as-root",
    "allow-privilege-escalation",
    "allow-privilege-escalation-unset",
    "seccomp-unconfined",
    "seccomp-unset",
    "apparmor-unconfined",
    "selinux-unconfined-type",
    "selinux-host-disabled",
    "proc-mount-unmasked",
    "crio-userns-annotation",
    "user-namespace",
    "service-account-token",
    "mutable-image-tag",
];

/// One container of any kind, seen the same way.
struct ContainerView<'a> {
    path: String,
    name: &'a str,
    image: Option<&'a str>,
    sc: Option<&'a SecurityContext>,
}

fn containers<'a>(spec: &'a PodSpec, prefix: &str) -> Vec<ContainerView<'a>> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(ContainerView {
            path: format!("{prefix}spec.initContainers[{i}]"),
            name: &c.name,
            image: c.image.as_deref(),
            sc: c.security_context.as_ref(),
        });
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(ContainerView {
            path: format!("{prefix}spec.containers[{i}]"),
            name: &c.name,
            image: c.image.as_deref(),
            sc: c.security_context.as_ref(),
        });
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(ContainerView {
            path: format!("{prefix}spec.ephemeralContainers[{i}]"),
            name: &c.name,
            image: c.image.as_deref(),
            sc: c.security_context.as_ref(),
        });
    }
    out
}

/// `SYS_ADMIN`, `CAP_SYS_ADMIN`, `cap_sys_admin` → `SYS_ADMIN` (defined in the bottom layer,
/// where the rewrite of manifests needs it too).
pub use crate::scenario::validate::normalize_capability;

/// Whether the pod runs in a user namespace: `hostUsers: false` or the legacy CRI-O annotation.
pub fn has_user_namespace(meta: &ObjectMeta, spec: &PodSpec) -> bool {
    spec.host_users == Some(false) || crio_userns_annotation(meta).is_some()
}

fn crio_userns_annotation(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(CRIO_USERNS_ANNOTATION))
        .map(String::as_str)
}

fn is_privileged(sc: Option<&SecurityContext>) -> bool {
    sc.and_then(|s| s.privileged) == Some(true)
}

fn added_caps(sc: Option<&SecurityContext>) -> Vec<String> {
    sc.and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.add.as_ref())
        .map(|add| add.iter().map(|c| normalize_capability(c)).collect())
        .unwrap_or_default()
}

/// The effective uid of a container: its own runAsUser, else the pod's. `None`: the image decides.
fn effective_uid(sc: Option<&SecurityContext>, psc: Option<&PodSecurityContext>) -> Option<i64> {
    sc.and_then(|s| s.run_as_user)
        .or_else(|| psc.and_then(|p| p.run_as_user))
}

fn run_as_non_root(sc: Option<&SecurityContext>, psc: Option<&PodSecurityContext>) -> bool {
    sc.and_then(|s| s.run_as_non_root)
        .or_else(|| psc.and_then(|p| p.run_as_non_root))
        == Some(true)
}

/// Whether the container runs as uid 0: runAsUser 0, or unset without runAsNonRoot (the podman
/// image, like most, defaults to root).
pub fn runs_as_root(sc: Option<&SecurityContext>, psc: Option<&PodSecurityContext>) -> bool {
    match effective_uid(sc, psc) {
        Some(uid) => uid == 0,
        None => !run_as_non_root(sc, psc),
    }
}

/// Which engine a hostPath exposes, if any: the path is the socket, its directory, or an
/// ancestor directory of a well-known socket (`/`, `/run`, `/var/run`).
pub fn engine_socket(path: &str) -> Option<&'static str> {
    // Normalise: collapse repeated slashes, drop a trailing slash, resolve the /var/run symlink.
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
    let mut norm: Vec<&str> = lower.iter().map(String::as_str).collect();
    if norm.first() == Some(&"var") && norm.get(1) == Some(&"run") {
        norm.remove(0);
    }
    const SOCKET_FILES: [(&str, &str); 6] = [
        ("podman.sock", "Podman"),
        ("docker.sock", "Docker"),
        ("containerd.sock", "containerd"),
        ("crio.sock", "CRI-O"),
        ("cri-dockerd.sock", "Docker"),
        ("dockershim.sock", "Docker"),
    ];
    const SOCKET_DIRS: [(&[&str], &str); 6] = [
        (&["run", "podman"], "Podman"),
        (&["run", "docker"], "Docker"),
        (&["run", "containerd"], "containerd"),
        (&["run", "crio"], "CRI-O"),
        (&["run", "cri-dockerd"], "Docker"),
        (&["run", "user", "*", "podman"], "Podman"),
    ];
    if let Some(last) = norm.last()
        && let Some((_, engine)) = SOCKET_FILES.iter().find(|(file, _)| last == file)
    {
        return Some(engine);
    }
    let dir_matches = |dir: &[&str]| {
        dir.len() == norm.len() && dir.iter().zip(&norm).all(|(d, n)| *d == "*" || d == n)
    };
    if let Some((_, engine)) = SOCKET_DIRS.iter().find(|(dir, _)| dir_matches(dir)) {
        return Some(engine);
    }
    // Ancestors of the well-known sockets: the root, /run (and /var/run, normalised above).
    match norm.as_slice() {
        [] | ["run"] => Some("every"),
        _ => None,
    }
}

/// Whether an image reference is pinned: a digest, or a `vX.Y.Z`-like tag (`5.2.1`, `v5.2.1`,
/// `v5.2.1-immutable`). Anything else can move: no tag, `latest`, `stable`, `v5`, `5.2`.
pub fn image_is_pinned(image: &str) -> bool {
    if image.contains('@') {
        return true;
    }
    match image_tag(image) {
        Some(tag) => is_version_tag(tag),
        None => false,
    }
}

/// Which container engine a pod runs, if any: an image named for Podman or Buildah (any registry,
/// any tag), a `docker:*dind*` image, or a hostPath that hands it an engine's socket. A heuristic
/// for any pod: podwiz's own pods always match through their image or socket.
pub fn container_engine(spec: &PodSpec, prefix: &str) -> Option<&'static str> {
    for c in containers(spec, prefix) {
        let Some(image) = c.image else { continue };
        let repository = image.split('@').next().unwrap_or(image);
        let tag = image_tag(repository).unwrap_or("");
        let name = repository
            .rsplit('/')
            .next()
            .unwrap_or(repository)
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let path = repository.to_ascii_lowercase();
        if name == "podman" || path.contains("/podman/") || path.starts_with("podman/") {
            return Some("Podman");
        }
        if name == "buildah" || path.contains("/buildah/") || path.starts_with("buildah/") {
            return Some("Buildah");
        }
        if name == "docker" && tag.contains("dind") {
            return Some("Docker");
        }
    }
    spec.volumes
        .iter()
        .flatten()
        .filter_map(|v| v.host_path.as_ref())
        .filter_map(|h| engine_socket(&h.path))
        // `/` or `/run` exposes every socket, but says nothing about what the pod runs.
        .find(|engine| *engine != "every")
}

/// Whether an image reference names quay.io/podman/stable (with or without a tag or digest).
fn is_podman_stable(image: &str) -> bool {
    let repository = image.split('@').next().unwrap_or(image);
    let repository = match image_tag(repository) {
        Some(tag) => &repository[..repository.len() - tag.len() - 1],
        None => repository,
    };
    repository == "quay.io/podman/stable"
}

/// The tag of an image reference, if any (a `:` after the last `/`).
pub fn image_tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
}

fn is_version_tag(tag: &str) -> bool {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    // X.Y.Z, then an optional suffix after '-', '+' or '.'.
    let end = tag
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tag.len());
    let (version, suffix) = tag.split_at(end);
    let numbers: Vec<&str> = version.split('.').collect();
    let three_numbers = numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let suffix_ok = suffix.is_empty()
        || (suffix.starts_with(['-', '+'])
            && suffix.len() > 1
            && suffix[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.+_".contains(&b)));
    three_numbers && suffix_ok
}

fn findings_at(meta: &ObjectMeta, spec: &PodSpec, object: &str, prefix: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let psc = spec.security_context.as_ref();
    let userns = has_user_namespace(meta, spec);
    let annotations = meta.annotations.as_ref();

    // Pod-level fields.
    for (field, value) in [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ] {
        if value == Some(true) {
            out.push(make(
                "host-namespace",
                object,
                format!("{prefix}spec.{field}"),
                &[("value", field)],
            ));
        }
    }
    if spec.host_users == Some(false) {
        out.push(make(
            "user-namespace",
            object,
            format!("{prefix}spec.hostUsers"),
            &[],
        ));
    }
    if let Some(value) = crio_userns_annotation(meta) {
        let shown = format!("{CRIO_USERNS_ANNOTATION}: \"{value}\"");
        out.push(make(
            "crio-userns-annotation",
            object,
            format!("{prefix}metadata.annotations[\"{CRIO_USERNS_ANNOTATION}\"]"),
            &[("value", &shown)],
        ));
    }
    if let Some(engine) = container_engine(spec, prefix)
        && spec.automount_service_account_token != Some(false)
    {
        let value = match spec.automount_service_account_token {
            Some(_) => label("value_token_true"),
            None => label("value_token_unset"),
        };
        out.push(make(
            "service-account-token",
            object,
            format!("{prefix}spec.automountServiceAccountToken"),
            &[("engine", engine), ("value", value)],
        ));
    }
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        let Some(host_path) = &volume.host_path else {
            continue;
        };
        let field = format!("{prefix}spec.volumes[{i}].hostPath.path");
        let vars = [
            ("value", host_path.path.as_str()),
            ("volume", volume.name.as_str()),
        ];
        match engine_socket(&host_path.path) {
            Some(engine) => {
                let engine = if engine == "every" {
                    label("value_every_engine")
                } else {
                    engine
                };
                out.push(make(
                    "engine-socket",
                    object,
                    field,
                    &[vars[0], vars[1], ("engine", engine)],
                ));
            }
            None => out.push(make("host-path", object, field, &vars)),
        }
    }

    // Per container.
    for c in containers(spec, prefix) {
        let sc = c.sc;
        let vars_name = [("container", c.name)];
        let privileged = is_privileged(sc);
        if privileged {
            out.push(make(
                "privileged",
                object,
                format!("{}.securityContext.privileged", c.path),
                &vars_name,
            ));
        }
        let caps = added_caps(sc);
        let raw_caps: Vec<&String> = sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.as_ref())
            .map(|add| add.iter().collect())
            .unwrap_or_default();
        let mut sys_admin = false;
        for (j, cap) in caps.iter().enumerate() {
            let raw = raw_caps.get(j).map(|s| s.as_str()).unwrap_or(cap);
            let field = format!("{}.securityContext.capabilities.add[{j}]", c.path);
            let vars = [("container", c.name), ("value", raw)];
            if cap == "SYS_ADMIN" {
                sys_admin = true;
                let id = if userns {
                    "cap-sys-admin-userns"
                } else {
                    "cap-sys-admin"
                };
                out.push(make(id, object, field, &vars));
            } else if cap == "ALL" {
                sys_admin = true;
                out.push(make("cap-all", object, field, &vars));
            } else if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                out.push(make("cap-not-baseline", object, field, &vars));
            }
        }
        if runs_as_root(sc, psc) && !userns {
            let (field, value) = match (
                sc.and_then(|s| s.run_as_user),
                psc.and_then(|p| p.run_as_user),
            ) {
                (Some(_), _) => (
                    format!("{}.securityContext.runAsUser", c.path),
                    "runAsUser: 0".to_string(),
                ),
                (None, Some(_)) => (
                    format!("{prefix}spec.securityContext.runAsUser"),
                    "runAsUser: 0".to_string(),
                ),
                (None, None) => (
                    format!("{}.securityContext.runAsUser", c.path),
                    label("value_run_as_root_unset").to_string(),
                ),
            };
            out.push(make(
                "run-as-root",
                object,
                field,
                &[("container", c.name), ("value", &value)],
            ));
        }
        // Privileged and SYS_ADMIN imply allowPrivilegeEscalation (the API says so): no
        // separate finding then.
        if !privileged && !sys_admin {
            let field = format!("{}.securityContext.allowPrivilegeEscalation", c.path);
            match sc.and_then(|s| s.allow_privilege_escalation) {
                Some(true) => out.push(make(
                    "allow-privilege-escalation",
                    object,
                    field,
                    &vars_name,
                )),
                None => out.push(make(
                    "allow-privilege-escalation-unset",
                    object,
                    field,
                    &vars_name,
                )),
                Some(false) => {}
            }
        }
        // A privileged container is unconfined anyway; the privileged finding says so.
        if !privileged {
            seccomp(&mut out, object, prefix, &c, psc);
            apparmor(&mut out, object, prefix, &c, psc, annotations);
            let selinux_type = sc
                .and_then(|s| s.se_linux_options.as_ref())
                .and_then(|o| o.type_.as_deref())
                .map(|t| (t, format!("{}.securityContext.seLinuxOptions.type", c.path)))
                .or_else(|| {
                    psc.and_then(|p| p.se_linux_options.as_ref())
                        .and_then(|o| o.type_.as_deref())
                        .map(|t| {
                            (
                                t,
                                format!("{prefix}spec.securityContext.seLinuxOptions.type"),
                            )
                        })
                });
            if let Some((t, field)) = selinux_type
                && matches!(t, "spc_t" | "unconfined_t")
            {
                out.push(make(
                    "selinux-unconfined-type",
                    object,
                    field,
                    &[("container", c.name), ("value", t)],
                ));
            }
        }
        if sc.and_then(|s| s.proc_mount.as_deref()) == Some("Unmasked") {
            out.push(make(
                "proc-mount-unmasked",
                object,
                format!("{}.securityContext.procMount", c.path),
                &vars_name,
            ));
        }
        if let Some(image) = c.image
            && !image_is_pinned(image)
        {
            let template = match image_tag(image) {
                Some(_) => label("value_image"),
                None => label("value_image_no_tag"),
            };
            let shown = template.replace("{image}", image);
            // The reason names this image's own registry practice, not another object's.
            let why = if is_podman_stable(image) {
                label("value_tag_moves_podman")
            } else {
                label("value_tag_moves_other")
            };
            out.push(make(
                "mutable-image-tag",
                object,
                format!("{}.image", c.path),
                &[("container", c.name), ("value", &shown), ("why", why)],
            ));
        }
    }
    sort(&mut out);
    out
}

fn seccomp(
    out: &mut Vec<Finding>,
    object: &str,
    prefix: &str,
    c: &ContainerView<'_>,
    psc: Option<&PodSecurityContext>,
) {
    let own =
        c.sc.and_then(|s| s.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str());
    let pod = psc
        .and_then(|p| p.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str());
    let vars = [("container", c.name)];
    match (own, pod) {
        (Some("Unconfined"), _) => out.push(make(
            "seccomp-unconfined",
            object,
            format!("{}.securityContext.seccompProfile.type", c.path),
            &vars,
        )),
        (None, Some("Unconfined")) => out.push(make(
            "seccomp-unconfined",
            object,
            format!("{prefix}spec.securityContext.seccompProfile.type"),
            &vars,
        )),
        (None, None) => out.push(make(
            "seccomp-unset",
            object,
            format!("{}.securityContext.seccompProfile", c.path),
            &vars,
        )),
        _ => {}
    }
}

fn apparmor(
    out: &mut Vec<Finding>,
    object: &str,
    prefix: &str,
    c: &ContainerView<'_>,
    psc: Option<&PodSecurityContext>,
    annotations: Option<&std::collections::BTreeMap<String, String>>,
) {
    let own =
        c.sc.and_then(|s| s.app_armor_profile.as_ref())
            .map(|p| p.type_.as_str());
    let pod = psc
        .and_then(|p| p.app_armor_profile.as_ref())
        .map(|p| p.type_.as_str());
    let key = format!("{APPARMOR_ANNOTATION_PREFIX}{}", c.name);
    let annotation = annotations.and_then(|a| a.get(&key)).map(String::as_str);
    let found = match (own, pod, annotation) {
        (Some("Unconfined"), _, _) => Some((
            format!("{}.securityContext.appArmorProfile.type", c.path),
            label("value_apparmor_field"),
        )),
        (None, Some("Unconfined"), _) => Some((
            format!("{prefix}spec.securityContext.appArmorProfile.type"),
            label("value_apparmor_field"),
        )),
        (None, None, Some(value)) if value.eq_ignore_ascii_case("unconfined") => Some((
            format!("{prefix}metadata.annotations[\"{key}\"]"),
            label("value_apparmor_annotation"),
        )),
        _ => None,
    };
    if let Some((field, value)) = found {
        out.push(make(
            "apparmor-unconfined",
            object,
            field,
            &[("container", c.name), ("value", value)],
        ));
    }
}
