//! What the wizard shows about security, in one place: the Pod Security level, findings with the
//! field they come from, what an attacker would get, host changes. Adapts the `security` layer to
//! the view; everything here is pure.

use crate::scenario::{Bundle, Mode};
use crate::security::pss::{self, Level};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Symbol + word, so severity never relies on colour.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "✖ critical",
            Severity::High => "▲ high",
            Severity::Medium => "● medium",
            Severity::Low => "○ low",
            Severity::Info => "· info",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingView {
    pub severity: Severity,
    /// Field path in the Pod, e.g. `spec.containers[0].securityContext.privileged`.
    pub field: String,
    pub title: String,
    pub detail: String,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityView {
    pub level: Level,
    pub policy: String,
    pub findings: Vec<FindingView>,
    /// What a process that escapes Podman's own containers gets.
    pub grants: Vec<String>,
    pub host_changes: Vec<String>,
}

/// The security view of a bundle.
pub fn assess(bundle: &Bundle) -> SecurityView {
    let result = pss::evaluate_pod(&bundle.pod, pss::PolicyVersion::Latest);
    let mut findings = pod_findings(bundle);
    findings.sort_by_key(|f| f.severity);
    SecurityView {
        level: result.level,
        policy: result.version.to_string(),
        findings,
        grants: grants(bundle.mode),
        host_changes: bundle
            .host_steps
            .iter()
            .map(|s| format!("{} ({})", s.title, s.node_scope.describe()))
            .collect(),
    }
}

fn finding(severity: Severity, field: String, title: &str, detail: &str) -> FindingView {
    FindingView {
        severity,
        field,
        title: title.into(),
        detail: detail.into(),
        source: "Kubernetes Pod Security Standards".into(),
    }
}

/// Findings read off the Pod spec, each pinned to its field.
fn pod_findings(bundle: &Bundle) -> Vec<FindingView> {
    let mut out = Vec::new();
    let Some(spec) = bundle.pod.spec.as_ref() else {
        return out;
    };
    if spec.host_users == Some(false) {
        out.push(finding(
            Severity::Info,
            "spec.hostUsers".into(),
            "user namespace",
            "root in the pod maps to an unprivileged id range on the node",
        ));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        let base = format!("spec.containers[{i}].securityContext");
        let Some(sc) = c.security_context.as_ref() else {
            continue;
        };
        if sc.privileged == Some(true) {
            out.push(finding(
                Severity::Critical,
                format!("{base}.privileged"),
                "privileged container",
                "every device and capability of the node; escaping it is root on the node",
            ));
        }
        if let Some(caps) = sc.capabilities.as_ref().and_then(|c| c.add.as_ref())
            && !caps.is_empty()
        {
            let severity =
                if caps.iter().any(|c| c == "SYS_ADMIN") && spec.host_users != Some(false) {
                    Severity::High
                } else {
                    Severity::Medium
                };
            out.push(finding(
                severity,
                format!("{base}.capabilities.add"),
                "added capabilities",
                &format!(
                    "{} beyond the runtime's defaults (baseline forbids most of them)",
                    caps.join(", ")
                ),
            ));
        }
        if let Some(se) = sc.se_linux_options.as_ref().and_then(|o| o.type_.as_ref()) {
            out.push(finding(
                Severity::Low,
                format!("{base}.seLinuxOptions.type"),
                "custom SELinux type",
                &format!("{se}: a type made for container engines, looser than container_t"),
            ));
        }
        if sc.proc_mount.as_deref() == Some("Unmasked") {
            out.push(finding(
                Severity::Medium,
                format!("{base}.procMount"),
                "unmasked /proc",
                "the container sees /proc without the runtime's masks (needs a user namespace)",
            ));
        }
        if let Some(limits) = c.resources.as_ref().and_then(|r| r.limits.as_ref()) {
            for key in limits.keys().filter(|k| k.contains("fuse")) {
                out.push(finding(
                    Severity::Low,
                    format!("spec.containers[{i}].resources.limits"),
                    "/dev/fuse device",
                    &format!("{key}: a device plugin hands /dev/fuse to the pod"),
                ));
            }
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if let Some(hp) = &v.host_path {
            let socket = hp.path.contains("podman");
            out.push(finding(
                if socket {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!("spec.volumes[{i}].hostPath"),
                if socket {
                    "node's Podman socket"
                } else {
                    "hostPath volume"
                },
                &if socket {
                    format!(
                        "{}: whoever talks to it runs root containers on the node",
                        hp.path
                    )
                } else {
                    format!("{}: a directory of the node, shared with the pod", hp.path)
                },
            ));
        }
    }
    if let Some(annotations) = bundle.pod.metadata.annotations.as_ref() {
        for key in annotations
            .keys()
            .filter(|k| k.starts_with("io.kubernetes.cri-o"))
        {
            out.push(finding(
                Severity::Low,
                format!("metadata.annotations.{key}"),
                "CRI-O annotation",
                "only CRI-O reads it, and only when its runtime allows the annotation",
            ));
        }
    }
    out
}

/// What an attacker who controls the workload gets, per mode.
pub fn grants(mode: Mode) -> Vec<String> {
    let lines: &[&str] = match mode {
        Mode::RootfulPriv => &[
            "root with every capability and every host device",
            "a container escape is root on the node",
        ],
        Mode::RootlessPriv => &[
            "uid 1000, but in a privileged container: host devices are visible",
            "a kernel or runtime bug away from root on the node",
        ],
        Mode::RootlessNoPriv => &[
            "uid 1000 with the runtime's default capabilities and /dev/fuse",
            "the storage volume's contents",
        ],
        Mode::RootfulNoPriv => &[
            "root in the pod with SYS_ADMIN, MKNOD, SYS_CHROOT, SETFCAP",
            "root on the node if it escapes (no user namespace)",
        ],
        Mode::Remote => &[
            "the node's Podman socket: run any root container on the node",
            "equivalent to root on that node",
        ],
        Mode::Userns => &[
            "root inside a user namespace: unprivileged ids on the node",
            "capabilities only over the pod's own namespaces",
        ],
    };
    lines.iter().map(|s| s.to_string()).collect()
}

/// The level badge text: the word in capitals between brackets.
pub fn badge(level: Level) -> String {
    format!("[ {} ]", level.as_str().to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Options, build};

    #[test]
    fn privileged_modes_have_a_critical_finding_on_the_privileged_field() {
        let bundle = build(Mode::RootfulPriv, &Options::default()).unwrap();
        let view = assess(&bundle);
        assert_eq!(view.level, Level::Privileged);
        let first = &view.findings[0];
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.field, "spec.containers[0].securityContext.privileged");
    }

    #[test]
    fn remote_flags_the_socket() {
        let bundle = build(Mode::Remote, &Options::default()).unwrap();
        let view = assess(&bundle);
        assert!(
            view.findings
                .iter()
                .any(|f| f.severity == Severity::Critical && f.field.starts_with("spec.volumes")),
            "{view:?}"
        );
    }
}
