//! A mode applied to someone else's manifest: their object stays theirs (names, labels, images,
//! env, other containers, volumes); only what the mode needs changes in the one container that
//! runs Podman and in its pod template. Pure.
//!
//! The mode's needs come from the bundle podwiz would generate for it ([`super::build`]), so the
//! rewrite and `podwiz generate` never disagree on what a mode is.

use k8s_openapi::api::core::v1::{Capabilities, Container, PodSpec, ResourceRequirements};
use serde::Serialize;

use super::build::{ROOTFUL_STORAGE, ROOTLESS_STORAGE};
use super::{Bundle, CRIO_DEVICES_ANNOTATION};
use crate::manifest::Workload;

/// One change the rewrite made, for the words shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    DropPrivileged {
        container: String,
    },
    SetCaps {
        container: String,
        caps: Vec<String>,
        drop: Vec<String>,
    },
    DropCaps {
        container: String,
        caps: Vec<String>,
    },
    RunAsUser {
        container: String,
        uid: i64,
    },
    RunAsRoot {
        container: String,
    },
    AllowEscalation {
        container: String,
    },
    ProcMount {
        container: String,
    },
    SelinuxType {
        container: String,
        value: String,
    },
    FuseLimit {
        container: String,
        resource: String,
    },
    Annotation {
        key: String,
        value: String,
    },
    HostUsers,
    DropMount {
        container: String,
        volume: String,
        path: String,
    },
    DropVolume {
        volume: String,
        path: String,
    },
    MoveStorage {
        container: String,
        volume: String,
        from: String,
        to: String,
    },
    OpenshiftScc {
        service_account: String,
    },
}

/// What to rewrite: which container runs Podman, the bundle of the target mode, and the
/// volumes (engine sockets) that container must stop mounting.
#[derive(Clone, Debug)]
pub struct RewritePlan<'a> {
    /// Index into `spec.containers` of the pod template.
    pub container: usize,
    pub bundle: &'a Bundle,
    pub drop_volumes: Vec<String>,
}

/// The rewritten object and what changed. A plan that points at no container returns the object
/// unchanged with no changes.
pub fn rewrite(workload: &Workload, plan: &RewritePlan<'_>) -> (Workload, Vec<Change>) {
    let mut out = workload.clone();
    let mut changes = Vec::new();
    let Some(target) = plan
        .bundle
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
    else {
        return (out, changes);
    };
    let target_pod = &plan.bundle.pod;
    let Some((meta, spec)) = out.template_mut() else {
        return (out, changes);
    };
    let Some(container) = spec.containers.get_mut(plan.container) else {
        return (out, changes);
    };
    let name = container.name.clone();
    let target_rootless = target
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_user)
        .is_some_and(|uid| uid != 0);
    security_context(container, target, &name, &mut changes);

    // /dev/fuse: keep the provider they have; add the mode's when there is none.
    let has_fuse_limit = container
        .resources
        .as_ref()
        .into_iter()
        .flat_map(|r| r.limits.iter().chain(r.requests.iter()))
        .flat_map(|m| m.keys())
        .any(|k| k.ends_with("/fuse"));
    let has_fuse_annotation = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(CRIO_DEVICES_ANNOTATION))
        .is_some_and(|v| v.contains("/dev/fuse"));
    let target_limits = target.resources.as_ref().and_then(|r| r.limits.as_ref());
    if !has_fuse_limit && !has_fuse_annotation {
        for (key, value) in target_limits.into_iter().flatten() {
            if key.ends_with("/fuse") {
                container
                    .resources
                    .get_or_insert_with(ResourceRequirements::default)
                    .limits
                    .get_or_insert_with(Default::default)
                    .insert(key.clone(), value.clone());
                changes.push(Change::FuseLimit {
                    container: name.clone(),
                    resource: key.clone(),
                });
            }
        }
    }
    for (key, value) in target_pod.metadata.annotations.iter().flatten() {
        if key == CRIO_DEVICES_ANNOTATION && (has_fuse_limit || has_fuse_annotation) {
            continue;
        }
        let annotations = meta.annotations.get_or_insert_with(Default::default);
        if annotations.get(key) != Some(value) {
            annotations.insert(key.clone(), value.clone());
            changes.push(Change::Annotation {
                key: key.clone(),
                value: value.clone(),
            });
        }
    }

    // Storage: their volume, mounted where the mode's Podman looks for it.
    let (from_root, to_root) = if target_rootless {
        (ROOTFUL_STORAGE, ROOTLESS_STORAGE)
    } else {
        (ROOTLESS_STORAGE, ROOTFUL_STORAGE)
    };
    for mount in container.volume_mounts.iter_mut().flatten() {
        let path = mount.mount_path.trim_end_matches('/');
        let rest = path.strip_prefix(from_root);
        if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) {
            let to = format!("{to_root}{rest}");
            changes.push(Change::MoveStorage {
                container: name.clone(),
                volume: mount.name.clone(),
                from: mount.mount_path.clone(),
                to: to.clone(),
            });
            mount.mount_path = to;
        }
    }

    // Engine sockets: unmount them here; drop the volume when no other container uses it.
    for volume in &plan.drop_volumes {
        if let Some(mounts) = container.volume_mounts.as_mut() {
            let before = mounts.len();
            let mut paths = Vec::new();
            mounts.retain(|m| {
                let keep = &m.name != volume;
                if !keep {
                    paths.push(m.mount_path.clone());
                }
                keep
            });
            for path in paths {
                changes.push(Change::DropMount {
                    container: name.clone(),
                    volume: volume.clone(),
                    path,
                });
            }
            if mounts.is_empty() && before > 0 {
                container.volume_mounts = None;
            }
        }
    }
    if let Some(host_users) = spec_host_users(target_pod.spec.as_ref())
        && spec.host_users != Some(host_users)
    {
        spec.host_users = Some(host_users);
        changes.push(Change::HostUsers);
    }
    for volume in &plan.drop_volumes {
        if mounted_anywhere(spec, volume) {
            continue;
        }
        if let Some(volumes) = spec.volumes.as_mut()
            && let Some(i) = volumes.iter().position(|v| &v.name == volume)
        {
            let removed = volumes.remove(i);
            changes.push(Change::DropVolume {
                volume: removed.name,
                path: removed.host_path.map(|h| h.path).unwrap_or_default(),
            });
            if volumes.is_empty() {
                spec.volumes = None;
            }
        }
    }
    if plan.bundle.role_binding.is_some() {
        changes.push(Change::OpenshiftScc {
            service_account: spec
                .service_account_name
                .clone()
                .unwrap_or_else(|| "default".into()),
        });
    }
    (out, changes)
}

fn spec_host_users(spec: Option<&PodSpec>) -> Option<bool> {
    spec.and_then(|s| s.host_users)
}

fn mounted_anywhere(spec: &PodSpec, volume: &str) -> bool {
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .any(|m| m.name == volume)
}

fn normalized(caps: Option<&Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = caps
        .into_iter()
        .flatten()
        .map(|c| super::validate::normalize_capability(c))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The mode's securityContext fields, set on their container; everything else of theirs kept.
fn security_context(
    container: &mut Container,
    target: &Container,
    name: &str,
    changes: &mut Vec<Change>,
) {
    let target_sc = target.security_context.clone().unwrap_or_default();
    let sc = container
        .security_context
        .get_or_insert_with(Default::default);
    if sc.privileged == Some(true) && target_sc.privileged != Some(true) {
        sc.privileged = None;
        changes.push(Change::DropPrivileged {
            container: name.to_string(),
        });
    }
    let target_caps = target_sc.capabilities.clone().unwrap_or_default();
    let theirs = sc.capabilities.clone().unwrap_or_default();
    let (their_add, target_add) = (
        normalized(theirs.add.as_ref()),
        normalized(target_caps.add.as_ref()),
    );
    if their_add != target_add || (target_caps.drop.is_some() && theirs.drop != target_caps.drop) {
        if target_add.is_empty() {
            changes.push(Change::DropCaps {
                container: name.to_string(),
                caps: theirs.add.clone().unwrap_or_default(),
            });
        } else {
            changes.push(Change::SetCaps {
                container: name.to_string(),
                caps: target_caps.add.clone().unwrap_or_default(),
                drop: target_caps.drop.clone().unwrap_or_default(),
            });
        }
        let caps = Capabilities {
            add: target_caps.add.clone(),
            drop: target_caps.drop.clone().or(theirs.drop.clone()),
        };
        sc.capabilities = (caps != Capabilities::default()).then_some(caps);
    }
    match target_sc.run_as_user {
        Some(uid) if sc.run_as_user.is_none_or(|u| u == 0) => {
            sc.run_as_user = Some(uid);
            changes.push(Change::RunAsUser {
                container: name.to_string(),
                uid,
            });
        }
        None if sc.run_as_user.is_some_and(|u| u != 0) && target_sc.capabilities.is_some() => {
            sc.run_as_user = None;
            changes.push(Change::RunAsRoot {
                container: name.to_string(),
            });
        }
        _ => {}
    }
    if target_sc.allow_privilege_escalation == Some(true)
        && sc.allow_privilege_escalation != Some(true)
    {
        sc.allow_privilege_escalation = Some(true);
        changes.push(Change::AllowEscalation {
            container: name.to_string(),
        });
    }
    if let Some(proc_mount) = &target_sc.proc_mount
        && sc.proc_mount.as_ref() != Some(proc_mount)
    {
        sc.proc_mount = Some(proc_mount.clone());
        changes.push(Change::ProcMount {
            container: name.to_string(),
        });
    }
    if let Some(t) = target_sc
        .se_linux_options
        .as_ref()
        .and_then(|o| o.type_.clone())
    {
        let options = sc.se_linux_options.get_or_insert_with(Default::default);
        if options.type_.as_ref() != Some(&t) {
            options.type_ = Some(t.clone());
            changes.push(Change::SelinuxType {
                container: name.to_string(),
                value: t,
            });
        }
    }
    if container.security_context.as_ref() == Some(&Default::default()) {
        container.security_context = None;
    }
}
