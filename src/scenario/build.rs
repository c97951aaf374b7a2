//! From a mode and its resolved options to the bundle. Pure: no I/O, no clock, no randomness.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec};
use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities, Container, ContainerPort, EmptyDirVolumeSource,
    HostPathVolumeSource, Namespace, PersistentVolumeClaimVolumeSource, Pod, PodSpec,
    PodTemplateSpec, ResourceRequirements, SELinuxOptions, SecurityContext, ServiceAccount,
    Toleration, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::options::{
    Apparmor, Fuse, Kind, Platform, Resolved, Selinux, Storage, Userns, UsernsShape,
};
use super::{Bundle, HostFile, HostStep, Mode, NodeScope, OptionError, Options, UsageHint};

pub const CRIO_USERNS_ANNOTATION: &str = "io.kubernetes.cri-o.userns-mode";
pub const CRIO_USERNS_VALUE: &str = "auto:size=65536;keep-id=true";
pub const CRIO_DEVICES_ANNOTATION: &str = "io.kubernetes.cri-o.Devices";
pub const ROOTLESS_STORAGE: &str = "/home/podman/.local/share/containers";
pub const ROOTFUL_STORAGE: &str = "/var/lib/containers";
pub const PODMAN_SOCKET_DIR: &str = "/var/run/podman";
pub const ROOTLESS_UID: i64 = 1000;
/// The capabilities the article grants rootful Podman without privilege, in its order.
pub const ROOTFUL_CAPS: [&str; 4] = ["SYS_ADMIN", "MKNOD", "SYS_CHROOT", "SETFCAP"];
pub const SCC_NESTED: &str = "system:openshift:scc:nested-container";
pub const SCC_PRIVILEGED: &str = "system:openshift:scc:privileged";

/// Build the bundle for `mode` with `options`, or say which option is wrong.
pub fn build(mode: Mode, options: &Options) -> Result<Bundle, OptionError> {
    let resolved = options.resolve(mode)?;
    Ok(build_resolved(mode, resolved))
}

fn build_resolved(mode: Mode, o: Resolved) -> Bundle {
    let openshift = o.platform == Platform::Openshift;
    // Rootless Podman inside a user namespace: the OpenShift 4.20 pattern, also mode userns' rootless shape.
    let rootless_userns = o.userns_shape == Some(UsernsShape::Rootless)
        || (openshift && mode == Mode::RootlessNoPriv);
    let rootless = matches!(mode, Mode::RootlessPriv | Mode::RootlessNoPriv) || rootless_userns;

    let mut security = SecurityContext::default();
    let mut annotations = BTreeMap::new();
    let mut limits = BTreeMap::new();
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    let mut host_users = None;

    match mode {
        Mode::RootfulPriv => security.privileged = Some(true),
        Mode::RootlessPriv => {
            security.privileged = Some(true);
            security.run_as_user = Some(ROOTLESS_UID);
        }
        Mode::RootlessNoPriv if !rootless_userns => {
            security.run_as_user = Some(ROOTLESS_UID);
            if !o.article_capabilities {
                // Rootless Podman needs only newuidmap/newgidmap's file capabilities (SETUID,
                // SETGID in the bounding set); in its own user namespace it has all the others.
                // Proven on the test node (assets/runtime-matrix.json: run and build pass).
                security.run_as_non_root = Some(true);
                security.capabilities = Some(Capabilities {
                    add: Some(vec!["SETUID".into(), "SETGID".into()]),
                    drop: Some(vec!["ALL".into()]),
                });
            }
        }
        Mode::RootfulNoPriv => security.capabilities = Some(add_caps(&ROOTFUL_CAPS)),
        Mode::Remote => {
            volumes.push(host_path_volume("podman-sock", PODMAN_SOCKET_DIR));
            mounts.push(mount("podman-sock", PODMAN_SOCKET_DIR));
        }
        Mode::Userns if !rootless_userns => security.capabilities = Some(add_caps(&ROOTFUL_CAPS)),
        Mode::RootlessNoPriv | Mode::Userns => {}
    }
    if rootless_userns {
        security.run_as_user = Some(ROOTLESS_UID);
        security.capabilities = Some(Capabilities {
            add: Some(vec!["SETUID".into(), "SETGID".into()]),
            drop: Some(vec!["ALL".into()]),
        });
        // newuidmap and newgidmap gain SETUID/SETGID through file capabilities.
        security.allow_privilege_escalation = Some(true);
        security.proc_mount = Some("Unmasked".into());
    }
    match o.userns {
        Some(Userns::Hostusers) => host_users = Some(false),
        Some(Userns::CrioAnnotation) => {
            annotations.insert(
                CRIO_USERNS_ANNOTATION.to_string(),
                CRIO_USERNS_VALUE.to_string(),
            );
        }
        None if rootless_userns => host_users = Some(false),
        None => {}
    }
    match o.fuse {
        Some(Fuse::DevicePlugin) => {
            limits.insert("github.com/fuse".to_string(), Quantity("1".into()));
        }
        Some(Fuse::GenericDevicePlugin) => {
            limits.insert("squat.ai/fuse".to_string(), Quantity("1".into()));
        }
        Some(Fuse::CrioDevices) => {
            // Rootless networking (pasta, slirp4netns) also needs /dev/net/tun; OpenShift allows both.
            let devices = if openshift {
                "/dev/fuse,/dev/net/tun"
            } else {
                "/dev/fuse"
            };
            annotations.insert(CRIO_DEVICES_ANNOTATION.to_string(), devices.to_string());
        }
        None => {}
    }
    match &o.apparmor {
        Some(Apparmor::Unconfined) => {
            security.app_armor_profile = Some(AppArmorProfile {
                type_: "Unconfined".into(),
                localhost_profile: None,
            });
        }
        Some(Apparmor::Localhost(name)) => {
            security.app_armor_profile = Some(AppArmorProfile {
                type_: "Localhost".into(),
                localhost_profile: Some(name.clone()),
            });
        }
        // The runtime's default needs no field, and a pod that names RuntimeDefault is refused
        // on nodes without AppArmor.
        Some(Apparmor::RuntimeDefault) | None => {}
    }
    if o.selinux == Some(Selinux::EngineType) {
        security.se_linux_options = Some(SELinuxOptions {
            type_: Some("container_engine_t".into()),
            ..SELinuxOptions::default()
        });
    }
    let storage_path = if rootless {
        ROOTLESS_STORAGE
    } else {
        ROOTFUL_STORAGE
    };
    let storage_volume = if rootless {
        "podman-local"
    } else {
        "podman-storage"
    };
    match &o.storage {
        Some(Storage::Emptydir) => volumes.push(Volume {
            name: storage_volume.into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }),
        Some(Storage::Hostpath(path)) => volumes.push(host_path_volume(storage_volume, path)),
        Some(Storage::Pvc(claim)) => volumes.push(Volume {
            name: storage_volume.into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.clone(),
                read_only: None,
            }),
            ..Volume::default()
        }),
        Some(Storage::None) | None => {}
    }
    if matches!(
        o.storage,
        Some(Storage::Emptydir | Storage::Hostpath(_) | Storage::Pvc(_))
    ) {
        mounts.push(mount(storage_volume, storage_path));
    }

    let (command, args) = if mode == Mode::Userns {
        (Some(o.command.clone()), None)
    } else {
        (None, Some(o.command.clone()))
    };
    let container = Container {
        name: mode.container_name().into(),
        image: Some(o.image.clone()),
        command,
        args,
        security_context: (security != SecurityContext::default()).then_some(security),
        resources: (!limits.is_empty()).then(|| ResourceRequirements {
            limits: Some(limits),
            ..ResourceRequirements::default()
        }),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Container::default()
    };
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(o.name.clone()),
            namespace: o.namespace.clone(),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            host_users,
            // Podman never calls the Kubernetes API; a token in the pod only adds the account's
            // API rights to whatever escapes the container engine.
            automount_service_account_token: (!o.service_account_token).then_some(false),
            service_account_name: openshift.then(|| o.name.clone()),
            containers: vec![container],
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..PodSpec::default()
        }),
        status: None,
    };

    let (service_account, role_binding) = if openshift {
        let (sa, rb) = openshift_access(mode, &o);
        (Some(sa), Some(rb))
    } else {
        (None, None)
    };
    let namespace = o
        .namespace
        .as_ref()
        .filter(|_| o.create_namespace)
        .map(|name| namespace_for(name));
    let fuse_plugin = match o.fuse {
        Some(Fuse::DevicePlugin) => Some(fuse_device_plugin()),
        Some(Fuse::GenericDevicePlugin) => Some(generic_device_plugin()),
        Some(Fuse::CrioDevices) | None => None,
    };
    let host_steps = host_steps(mode, &o, rootless);
    let usage = usage(mode, &o);
    Bundle {
        mode,
        options: o,
        namespace,
        service_account,
        role_binding,
        fuse_plugin,
        pod,
        host_steps,
        usage,
    }
}

fn add_caps(caps: &[&str]) -> Capabilities {
    Capabilities {
        add: Some(caps.iter().map(|c| c.to_string()).collect()),
        drop: None,
    }
}

fn host_path_volume(name: &str, path: &str) -> Volume {
    Volume {
        name: name.into(),
        host_path: Some(HostPathVolumeSource {
            path: path.into(),
            type_: None,
        }),
        ..Volume::default()
    }
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..VolumeMount::default()
    }
}

/// The namespace to create. Its Pod Security labels depend on the pod's level, which the
/// security layer knows: `security::build` adds them (scenario stays the bottom layer).
fn namespace_for(name: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

fn openshift_access(mode: Mode, o: &Resolved) -> (ServiceAccount, RoleBinding) {
    let cluster_role = if mode.is_privileged() {
        SCC_PRIVILEGED
    } else {
        SCC_NESTED
    };
    let scc = cluster_role.rsplit(':').next().unwrap_or(cluster_role);
    let sa = ServiceAccount {
        metadata: ObjectMeta {
            name: Some(o.name.clone()),
            namespace: o.namespace.clone(),
            ..ObjectMeta::default()
        },
        ..ServiceAccount::default()
    };
    let rb = RoleBinding {
        metadata: ObjectMeta {
            name: Some(format!("{}-scc-{scc}", o.name)),
            namespace: o.namespace.clone(),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "ClusterRole".into(),
            name: cluster_role.into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: o.name.clone(),
            namespace: o.namespace.clone(),
            api_group: None,
        }]),
    };
    (sa, rb)
}

const DEVICE_PLUGIN_DIR: &str = "/var/lib/kubelet/device-plugins";

/// The article's device plugin image. `v1.0` is the only tag soolaugust/fuse-device-plugin ever
/// published (unmaintained since 2022); no digest could be checked from here, so podwiz's
/// mutable-tag finding stays on this DaemonSet and says how to pin it (assets/pinned-images.md).
pub const FUSE_DEVICE_PLUGIN_IMAGE: &str = "soolaugust/fuse-device-plugin:v1.0";
/// squat/generic-device-plugin release 0.2.0, by tag and digest (the multi-arch index pushed to
/// docker.io and ghcr.io alike; evidence in assets/pinned-images.md).
pub const GENERIC_DEVICE_PLUGIN_IMAGE: &str = "docker.io/squat/generic-device-plugin:0.2.0@sha256:66c8d5c270eb2b721f1064c549b9b7898152a6d2f0163380a5d37dc7636c20ff";

/// The article's soolaugust/fuse-device-plugin DaemonSet, without its `imagePullSecrets`
/// (a secret only the article's authors had).
pub fn fuse_device_plugin() -> DaemonSet {
    let labels = BTreeMap::from([("name".to_string(), "fuse-device-plugin-ds".to_string())]);
    DaemonSet {
        metadata: ObjectMeta {
            name: Some("fuse-device-plugin-daemonset".into()),
            namespace: Some("kube-system".into()),
            ..ObjectMeta::default()
        },
        spec: DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    host_network: Some(true),
                    containers: vec![Container {
                        name: "fuse-device-plugin-ctr".into(),
                        image: Some(FUSE_DEVICE_PLUGIN_IMAGE.into()),
                        security_context: Some(SecurityContext {
                            allow_privilege_escalation: Some(false),
                            capabilities: Some(Capabilities {
                                add: None,
                                drop: Some(vec!["ALL".into()]),
                            }),
                            ..SecurityContext::default()
                        }),
                        volume_mounts: Some(vec![mount("device-plugin", DEVICE_PLUGIN_DIR)]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![host_path_volume("device-plugin", DEVICE_PLUGIN_DIR)]),
                    ..PodSpec::default()
                }),
            },
            ..DaemonSetSpec::default()
        },
        ..DaemonSet::default()
    }
}

/// squat/generic-device-plugin advertising /dev/fuse as `squat.ai/fuse` (its upstream manifest,
/// reduced to the fuse device). Upstream runs it privileged with /dev mounted.
pub fn generic_device_plugin() -> DaemonSet {
    let labels = BTreeMap::from([(
        "app.kubernetes.io/name".to_string(),
        "generic-device-plugin".to_string(),
    )]);
    let quantities = |cpu: &str, memory: &str| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.into())),
            ("memory".to_string(), Quantity(memory.into())),
        ])
    };
    DaemonSet {
        metadata: ObjectMeta {
            name: Some("generic-device-plugin".into()),
            namespace: Some("kube-system".into()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        },
        spec: DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    // It speaks to the kubelet over its socket, never to the API server.
                    automount_service_account_token: Some(false),
                    priority_class_name: Some("system-node-critical".into()),
                    tolerations: Some(
                        ["NoExecute", "NoSchedule"]
                            .map(|effect| Toleration {
                                operator: Some("Exists".into()),
                                effect: Some(effect.into()),
                                ..Toleration::default()
                            })
                            .to_vec(),
                    ),
                    containers: vec![Container {
                        name: "generic-device-plugin".into(),
                        image: Some(GENERIC_DEVICE_PLUGIN_IMAGE.into()),
                        args: Some(vec![
                            "--device".into(),
                            r#"{"name": "fuse", "groups": [{"count": 10, "paths": [{"path": "/dev/fuse"}]}]}"#.into(),
                        ]),
                        ports: Some(vec![ContainerPort {
                            container_port: 8080,
                            name: Some("http".into()),
                            ..ContainerPort::default()
                        }]),
                        resources: Some(ResourceRequirements {
                            requests: Some(quantities("50m", "10Mi")),
                            limits: Some(quantities("50m", "20Mi")),
                            ..ResourceRequirements::default()
                        }),
                        security_context: Some(SecurityContext {
                            privileged: Some(true),
                            ..SecurityContext::default()
                        }),
                        volume_mounts: Some(vec![mount("device-plugin", DEVICE_PLUGIN_DIR), mount("dev", "/dev")]),
                        ..Container::default()
                    }],
                    volumes: Some(vec![
                        host_path_volume("device-plugin", DEVICE_PLUGIN_DIR),
                        host_path_volume("dev", "/dev"),
                    ]),
                    ..PodSpec::default()
                }),
            },
            ..DaemonSetSpec::default()
        },
        ..DaemonSet::default()
    }
}

const CRIO_USERNS_DROP_IN: &str = r#"[crio.runtime.runtimes.runc]
runtime_path = ""
runtime_type = "oci"
runtime_root = "/run/runc"
allowed_annotations = ["io.kubernetes.cri-o.userns-mode"]
"#;

const CRIO_DEVICES_DROP_IN: &str = r#"[crio.runtime]
allowed_devices = ["/dev/fuse"]

[crio.runtime.runtimes.runc]
allowed_annotations = ["io.kubernetes.cri-o.Devices"]
"#;

const SUBID_LINE: &str = "containers:200000:268435456\n";

fn host_steps(mode: Mode, o: &Resolved, rootless: bool) -> Vec<HostStep> {
    let mut steps = Vec::new();
    let openshift = o.platform == Platform::Openshift;
    if o.fuse.is_some() {
        steps.push(HostStep {
            title: "Load the fuse kernel module".into(),
            why: "The pod's /dev/fuse is the node's; without the module there is none to hand over (podman #8918).".into(),
            node_scope: NodeScope::EveryNode,
            commands: vec!["modprobe fuse".into()],
            files: vec![HostFile {
                path: "/etc/modules-load.d/fuse.conf".into(),
                content: "fuse\n".into(),
                append: false,
            }],
        });
    }
    if o.fuse == Some(Fuse::CrioDevices) && !openshift {
        steps.push(HostStep {
            title: "Let CRI-O hand /dev/fuse to pods that ask by annotation".into(),
            why: "CRI-O only honours io.kubernetes.cri-o.Devices for runtimes that allow the annotation, and only for allowed devices. Use the runtime handler your nodes run (runc or crun).".into(),
            node_scope: NodeScope::EveryNode,
            commands: vec!["systemctl restart crio".into()],
            files: vec![HostFile {
                path: "/etc/crio/crio.conf.d/20-podwiz-devices.conf".into(),
                content: CRIO_DEVICES_DROP_IN.into(),
                append: false,
            }],
        });
    }
    if o.userns == Some(Userns::CrioAnnotation) {
        steps.push(HostStep {
            title: "Let CRI-O create user namespaces from the pod annotation (legacy)".into(),
            why: "The article's annotation works only if the runtime allows it and subordinate ids exist for user 'containers'. Deprecated: it fails on nodes with Kubernetes' user namespace support on (cri-o #10341).".into(),
            node_scope: NodeScope::EveryNode,
            commands: vec!["systemctl restart crio".into()],
            files: vec![
                HostFile { path: "/etc/crio/crio.conf.d/10-userns.conf".into(), content: CRIO_USERNS_DROP_IN.into(), append: false },
                HostFile { path: "/etc/subuid".into(), content: SUBID_LINE.into(), append: true },
                HostFile { path: "/etc/subgid".into(), content: SUBID_LINE.into(), append: true },
            ],
        });
    }
    if let Some(Storage::Hostpath(path)) = &o.storage {
        let mut commands = vec![format!("mkdir -p {}", shell_quote(path))];
        if rootless {
            commands.push(format!(
                "chown {ROOTLESS_UID}:{ROOTLESS_UID} {}",
                shell_quote(path)
            ));
        }
        steps.push(HostStep {
            title: "Create the storage directory on the node".into(),
            why: "Podman's images and containers live in this node directory; the pod's user must own it.".into(),
            node_scope: NodeScope::PodNode,
            commands,
            files: vec![],
        });
    }
    if let Some(Apparmor::Localhost(name)) = &o.apparmor {
        let path = format!("/etc/apparmor.d/{name}");
        steps.push(HostStep {
            title: format!("Load the AppArmor profile {name} (not verified by podwiz)"),
            why: "The runtime's default AppArmor profile denies mount, which Podman needs for its storage and its containers. This profile is containerd's default with mount allowed for what Podman mounts. NOT VERIFIED: podwiz's test node runs a kernel without AppArmor (CONFIG_SECURITY_APPARMOR is not set), so these rules were never loaded there; test on one node first. Rules from containerd contrib/apparmor/template.go; the mount denials from podman and buildah issue reports.".into(),
            node_scope: NodeScope::EveryNode,
            commands: vec![format!("apparmor_parser -r -W {path}")],
            files: vec![HostFile {
                path,
                content: apparmor_profile(name),
                append: false,
            }],
        });
    }
    if mode == Mode::Remote {
        steps.push(HostStep {
            title: "Enable the node's Podman socket".into(),
            why: "podman --remote in the pod drives the node's Podman through /run/podman/podman.sock; containers and images live on the node.".into(),
            node_scope: NodeScope::PodNode,
            commands: vec!["systemctl enable --now podman.socket".into()],
            files: vec![],
        });
    }
    if o.selinux == Some(Selinux::HostDisabled) {
        steps.push(HostStep {
            title: "Put SELinux in permissive mode (the article's way; weakens the node)".into(),
            why: "container_t may not mount filesystems or use the Podman socket. Switching SELinux off removes the layer that stopped runc CVE-2019-5736; prefer --selinux engine-type where it works.".into(),
            node_scope: NodeScope::EveryNode,
            commands: vec![
                "setenforce 0".into(),
                "sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config".into(),
            ],
            files: vec![],
        });
    }
    steps
}

/// The profile `--apparmor localhost:NAME` writes to /etc/apparmor.d/NAME on every node.
///
/// Start: containerd's default profile (contrib/apparmor/template.go, the profile the pod gets
/// without podwiz), unchanged except its `deny mount,`. Instead it allows the mounts Podman makes
/// in a pod: fuse-overlayfs and overlay storage (`mount .../storage/overlay ... flags: 0x1000`,
/// MS_BIND, in the reports), the /proc, /sys, /dev, /dev/pts, /dev/mqueue and tmpfs of its own
/// containers, bind mounts, and making mounts private again (`remount /, flags: 0x44000`,
/// MS_REC|MS_PRIVATE). Not verified: no AppArmor on podwiz's test kernel.
pub fn apparmor_profile(name: &str) -> String {
    format!(
        r#"# podwiz: containerd's default container profile, with the mounts Podman makes allowed.
# Not verified by podwiz (its test kernel has no AppArmor). Load: apparmor_parser -r -W /etc/apparmor.d/{name}
#include <tunables/global>

profile {name} flags=(attach_disconnected,mediate_deleted) {{
  #include <abstractions/base>

  network,
  capability,
  file,
  umount,
  pivot_root,

  # containerd's default denies every mount here. Podman in the pod mounts:
  mount fstype=fuse.fuse-overlayfs,
  mount fstype=overlay,
  mount fstype=proc,
  mount fstype=sysfs,
  mount fstype=tmpfs,
  mount fstype=devpts,
  mount fstype=mqueue,
  mount fstype=cgroup2,
  mount options=(rw, bind),
  mount options=(rw, rbind),
  mount options=(ro, remount, bind),
  mount options=(ro, remount, rbind),
  mount options=(rprivate),
  mount options=(private),
  mount options=(rslave),
  mount options=(slave),

  deny @{{PROC}}/* w,
  deny @{{PROC}}/{{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}}/** w,
  deny @{{PROC}}/sys/[^k]** w,
  deny @{{PROC}}/sys/kernel/{{?,??,[^s][^h][^m]**}} w,
  deny @{{PROC}}/sysrq-trigger rwklx,
  deny @{{PROC}}/kcore rwklx,
  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/kernel/security/** rwklx,

  signal (receive) peer=unconfined,
  signal (send,receive) peer={name},
  ptrace (trace,read,tracedby,readby) peer={name},
}}
"#
    )
}

/// Quote a path for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@%,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn usage(mode: Mode, o: &Resolved) -> Vec<UsageHint> {
    let namespace = o
        .namespace
        .as_ref()
        .map(|ns| format!(" -n {ns}"))
        .unwrap_or_default();
    let hint = |title: &str, command: String| UsageHint {
        title: title.into(),
        command,
    };
    let mut hints = Vec::new();
    // kubectl exec picks a pod of a Job, Deployment or StatefulSet by TYPE/NAME; a CronJob has
    // no pod until it runs, so start a run by hand first.
    let target = match o.kind {
        Kind::Pod => o.name.clone(),
        Kind::Job => format!("job/{}", o.name),
        Kind::Deployment => format!("deploy/{}", o.name),
        Kind::StatefulSet => format!("sts/{}", o.name),
        Kind::CronJob => {
            let run = format!("{}-manual", o.name);
            hints.push(hint(
                "Start a run now instead of waiting for the schedule",
                format!(
                    "kubectl create{namespace} job {run} --from=cronjob/{}",
                    o.name
                ),
            ));
            format!("job/{run}")
        }
    };
    let exec = format!("kubectl exec{namespace} -it {target} --");
    hints.push(hint("Open a shell in the pod", format!("{exec} sh")));
    match mode {
        Mode::Remote => {
            hints.push(hint(
                "Run a container on the node's Podman",
                format!("{exec} podman --remote run ubi8 echo hello"),
            ));
            hints.push(hint(
                "List what runs on the node (not in the pod)",
                format!("{exec} podman --remote ps -a"),
            ));
        }
        _ => {
            hints.push(hint(
                "Run a container inside the pod",
                format!("{exec} podman run ubi8 echo hello"),
            ));
            let build = if mode == Mode::RootlessNoPriv {
                "podman build --isolation chroot -t myimage -f Containerfile ."
            } else {
                "podman build -t myimage -f Containerfile ."
            };
            hints.push(hint(
                "Build an image (in the pod's shell, next to a Containerfile)",
                build.into(),
            ));
        }
    }
    if mode == Mode::Userns {
        hints.push(hint(
            "See how pod uids map to node uids (0 → a high unprivileged range)",
            format!("{exec} cat /proc/self/uid_map"),
        ));
    }
    hints
}
