//! The pod as evidence: what its spec says about the confinement the failing process ran under.
//! Built from a pod's metadata and spec, so any reader of manifests or live objects (a Pod, or
//! a workload's template) plugs in.

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::security::findings;

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
/// SELinux types that may mount and run nested containers.
const ENGINE_SELINUX_TYPES: [&str; 3] = ["container_engine_t", "spc_t", "unconfined_t"];

/// Facts about the container that runs the engine, as the catalogue's `pod:` conditions name
/// them ([`PodFacts::NAMES`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PodFacts {
    /// The container the facts are about.
    pub container: String,
    pub privileged: bool,
    /// `seLinuxOptions.type` of the container or the pod.
    pub selinux_type: Option<String>,
    /// AppArmor profile type (`RuntimeDefault`, `Localhost`, `Unconfined`; from the field or the
    /// beta annotation).
    pub apparmor: Option<String>,
    /// seccomp profile type.
    pub seccomp: Option<String>,
    /// `spec.hostUsers: false`.
    pub host_users_false: bool,
    /// A user namespace by any means (hostUsers: false, the CRI-O annotation).
    pub userns: bool,
    /// `runAsUser` of the container or the pod, if set.
    pub run_as_user: Option<i64>,
    pub sys_admin: bool,
    /// `procMount: Unmasked`.
    pub proc_unmasked: bool,
}

impl PodFacts {
    /// The names a `pod:` condition may use.
    pub const NAMES: [&'static str; 12] = [
        "privileged",
        "selinux-type",
        "selinux-engine",
        "apparmor-profile",
        "apparmor-unconfined",
        "seccomp-profile",
        "seccomp-unconfined",
        "hostusers",
        "userns",
        "nonroot-uid",
        "sys-admin",
        "proc-unmasked",
    ];

    /// Facts of the engine container of a pod: the container named `container`, else the first
    /// whose image or command names podman or buildah, else the first container. None when the
    /// pod has no container (or none by that name).
    pub fn of(meta: &ObjectMeta, spec: &PodSpec, container: Option<&str>) -> Option<PodFacts> {
        let c = match container {
            Some(name) => spec.containers.iter().find(|c| c.name == name)?,
            None => spec
                .containers
                .iter()
                .find(|c| runs_engine(c))
                .or(spec.containers.first())?,
        };
        let sc = c.security_context.as_ref();
        let psc = spec.security_context.as_ref();
        let annotation = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(&format!("{APPARMOR_ANNOTATION_PREFIX}{}", c.name)))
            .map(|v| match v.as_str() {
                "unconfined" => "Unconfined".to_string(),
                "runtime/default" => "RuntimeDefault".to_string(),
                other => other.to_string(),
            });
        Some(PodFacts {
            container: c.name.clone(),
            privileged: sc.and_then(|s| s.privileged) == Some(true),
            selinux_type: sc
                .and_then(|s| s.se_linux_options.as_ref())
                .or(psc.and_then(|p| p.se_linux_options.as_ref()))
                .and_then(|o| o.type_.clone())
                .filter(|t| !t.is_empty()),
            apparmor: sc
                .and_then(|s| s.app_armor_profile.as_ref())
                .or(psc.and_then(|p| p.app_armor_profile.as_ref()))
                .map(|p| p.type_.clone())
                .or(annotation),
            seccomp: sc
                .and_then(|s| s.seccomp_profile.as_ref())
                .or(psc.and_then(|p| p.seccomp_profile.as_ref()))
                .map(|p| p.type_.clone()),
            host_users_false: spec.host_users == Some(false),
            userns: findings::has_user_namespace(meta, spec),
            run_as_user: sc
                .and_then(|s| s.run_as_user)
                .or(psc.and_then(|p| p.run_as_user)),
            sys_admin: sc
                .and_then(|s| s.capabilities.as_ref())
                .and_then(|caps| caps.add.as_ref())
                .into_iter()
                .flatten()
                .map(|cap| findings::normalize_capability(cap))
                .any(|cap| cap == "SYS_ADMIN" || cap == "ALL"),
            proc_unmasked: sc.and_then(|s| s.proc_mount.as_deref()) == Some("Unmasked"),
        })
    }

    /// The value of a named fact; None for an unknown name.
    pub fn get(&self, name: &str) -> Option<bool> {
        Some(match name {
            "privileged" => self.privileged,
            "selinux-type" => self.selinux_type.is_some(),
            "selinux-engine" => self
                .selinux_type
                .as_deref()
                .is_some_and(|t| ENGINE_SELINUX_TYPES.contains(&t)),
            "apparmor-profile" => self.apparmor.is_some(),
            "apparmor-unconfined" => self.apparmor.as_deref() == Some("Unconfined"),
            "seccomp-profile" => self.seccomp.is_some(),
            "seccomp-unconfined" => self.seccomp.as_deref() == Some("Unconfined"),
            "hostusers" => self.host_users_false,
            "userns" => self.userns,
            "nonroot-uid" => self.run_as_user.is_some_and(|u| u != 0),
            "sys-admin" => self.sys_admin,
            "proc-unmasked" => self.proc_unmasked,
            _ => return None,
        })
    }
}

fn runs_engine(c: &Container) -> bool {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("podman") || s.contains("buildah")
    };
    c.image.as_deref().is_some_and(mentions) || c.command.iter().flatten().any(|w| mentions(w))
}
