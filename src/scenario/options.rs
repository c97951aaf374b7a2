//! What a user can choose besides the mode, with defaults per mode and the rules that tie them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Mode;
use super::validate;

/// How the pod gets a user namespace (mode `userns`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Userns {
    /// `spec.hostUsers: false` (Kubernetes >= 1.33, any runtime that supports it).
    Hostusers,
    /// The article's `io.kubernetes.cri-o.userns-mode` annotation: legacy, CRI-O only.
    CrioAnnotation,
}

/// Who Podman runs as inside a user-namespaced pod (mode `userns`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsernsShape {
    /// The article's shape: root in the pod with SYS_ADMIN, MKNOD, SYS_CHROOT, SETFCAP.
    Rootful,
    /// The OpenShift 4.20 shape: uid 1000 with SETUID and SETGID only.
    Rootless,
}

/// Where `/dev/fuse` comes from in the non-privileged modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fuse {
    /// The article's soolaugust/fuse-device-plugin, resource `github.com/fuse`.
    DevicePlugin,
    /// squat/generic-device-plugin, resource `squat.ai/fuse`.
    GenericDevicePlugin,
    /// CRI-O's `io.kubernetes.cri-o.Devices` annotation, no plugin.
    CrioDevices,
}

/// Where Podman keeps images and containers in the non-privileged modes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Storage {
    /// A fresh emptyDir per pod.
    Emptydir,
    /// A directory on the node (the article's choice for rootless-no-priv).
    Hostpath(String),
    /// An existing PersistentVolumeClaim.
    Pvc(String),
    /// The container's own filesystem (the article's choice for rootful-no-priv and userns).
    None,
}

/// How SELinux on the nodes is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selinux {
    /// `seLinuxOptions.type: container_engine_t`, made for engines in containers.
    EngineType,
    /// The article's host step: SELinux permissive on the node.
    HostDisabled,
    /// The nodes do not enforce SELinux.
    None,
}

/// Which AppArmor profile the Podman container runs under (non-privileged modes). Only matters on
/// nodes where AppArmor is on (Ubuntu, Debian, SUSE and Container-Optimized OS node images among
/// others): there containerd's and CRI-O's default profile denies `mount`, which Podman needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Apparmor {
    /// No profile set: the runtime's default. On AppArmor nodes it denies Podman's mounts;
    /// elsewhere nothing changes. Nothing is written into the pod (a pod that names a profile is
    /// rejected on nodes without AppArmor).
    RuntimeDefault,
    /// `appArmorProfile.type: Unconfined`: Podman's mounts work; the pod leaves Pod Security
    /// baseline (privileged level).
    Unconfined,
    /// `appArmorProfile.type: Localhost` with a profile podwiz writes as a host step; keeps
    /// baseline. Its rules are not verified on podwiz's test kernel (no AppArmor there).
    Localhost(String),
}

impl Apparmor {
    pub const WORDS: &'static [&'static str] = &["runtime-default", "unconfined", "localhost:NAME"];
    /// The profile name podwiz suggests for `localhost:`.
    pub const DEFAULT_PROFILE: &'static str = "podwiz-podman";
}

impl fmt::Display for Apparmor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Apparmor::RuntimeDefault => f.write_str("runtime-default"),
            Apparmor::Unconfined => f.write_str("unconfined"),
            Apparmor::Localhost(name) => write!(f, "localhost:{name}"),
        }
    }
}

impl FromStr for Apparmor {
    type Err = OptionError;

    fn from_str(s: &str) -> Result<Self, OptionError> {
        match s.split_once(':') {
            None if s == "runtime-default" => Ok(Apparmor::RuntimeDefault),
            None if s == "unconfined" => Ok(Apparmor::Unconfined),
            Some(("localhost", name)) => {
                validate::apparmor_profile(name).map_err(|rule| {
                    OptionError::new("--apparmor", s, format!("the profile name {rule}"))
                })?;
                Ok(Apparmor::Localhost(name.to_string()))
            }
            _ => Err(OptionError::new(
                "--apparmor",
                s,
                format!("must be one of: {}", Apparmor::WORDS.join(", ")),
            )),
        }
    }
}

/// The workload that runs the pod: the pod itself, or a controller with the pod as its template.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A bare Pod (the article's manifests).
    #[default]
    Pod,
    /// A Job: one run to completion (a CI build).
    Job,
    /// A Deployment of one replica (a build service).
    Deployment,
    /// A StatefulSet of one replica (stable name `NAME-0`).
    StatefulSet,
    /// A CronJob: a Job on a schedule (`--schedule`).
    CronJob,
}

impl Kind {
    pub fn is_pod(&self) -> bool {
        *self == Kind::Pod
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    Kubernetes,
    Openshift,
}

macro_rules! keyword_enum {
    ($ty:ty, $flag:literal, { $($variant:path => $word:literal),+ $(,)? }) => {
        impl $ty {
            pub const WORDS: &'static [&'static str] = &[$($word),+];
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $word),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $ty {
            type Err = OptionError;
            fn from_str(s: &str) -> Result<Self, OptionError> {
                match s {
                    $($word => Ok($variant),)+
                    _ => Err(OptionError::new($flag, s, format!("must be one of: {}", Self::WORDS.join(", ")))),
                }
            }
        }
    };
}

keyword_enum!(Userns, "--userns", { Userns::Hostusers => "hostusers", Userns::CrioAnnotation => "crio-annotation" });
keyword_enum!(UsernsShape, "--userns-shape", { UsernsShape::Rootful => "rootful", UsernsShape::Rootless => "rootless" });
keyword_enum!(Fuse, "--fuse", {
    Fuse::DevicePlugin => "device-plugin",
    Fuse::GenericDevicePlugin => "generic-device-plugin",
    Fuse::CrioDevices => "crio-devices",
});
keyword_enum!(Selinux, "--selinux", { Selinux::EngineType => "engine-type", Selinux::HostDisabled => "host-disabled", Selinux::None => "none" });
keyword_enum!(Kind, "--kind", {
    Kind::Pod => "pod",
    Kind::Job => "job",
    Kind::Deployment => "deployment",
    Kind::StatefulSet => "statefulset",
    Kind::CronJob => "cronjob",
});
keyword_enum!(Platform, "--platform", { Platform::Kubernetes => "kubernetes", Platform::Openshift => "openshift" });

impl Storage {
    pub const WORDS: &'static [&'static str] = &["emptydir", "hostpath:PATH", "pvc:NAME", "none"];
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::Emptydir => f.write_str("emptydir"),
            Storage::Hostpath(path) => write!(f, "hostpath:{path}"),
            Storage::Pvc(name) => write!(f, "pvc:{name}"),
            Storage::None => f.write_str("none"),
        }
    }
}

impl FromStr for Storage {
    type Err = OptionError;

    fn from_str(s: &str) -> Result<Self, OptionError> {
        let storage = match s.split_once(':') {
            None if s == "emptydir" => Storage::Emptydir,
            None if s == "none" => Storage::None,
            Some(("hostpath", path)) => Storage::Hostpath(path.to_string()),
            Some(("pvc", name)) => Storage::Pvc(name.to_string()),
            _ => {
                return Err(OptionError::new(
                    "--storage",
                    s,
                    format!("must be one of: {}", Storage::WORDS.join(", ")),
                ));
            }
        };
        storage.validate()?;
        Ok(storage)
    }
}

impl Storage {
    fn validate(&self) -> Result<(), OptionError> {
        match self {
            Storage::Hostpath(path) => validate::host_path(path)
                .map_err(|rule| OptionError::new("--storage", &self.to_string(), rule)),
            Storage::Pvc(name) => validate::dns1123_subdomain(name).map_err(|rule| {
                OptionError::new(
                    "--storage",
                    &self.to_string(),
                    format!("the claim name {rule}"),
                )
            }),
            Storage::Emptydir | Storage::None => Ok(()),
        }
    }
}

/// One bad value: which flag, what was given, which rule it breaks. Shown on one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid value '{value}' for '{flag}': {rule}")]
pub struct OptionError {
    pub flag: &'static str,
    pub value: String,
    pub rule: String,
}

impl OptionError {
    pub fn new(flag: &'static str, value: &str, rule: impl Into<String>) -> Self {
        OptionError {
            flag,
            value: value.escape_debug().to_string(),
            rule: rule.into(),
        }
    }
}

/// The user's choices. `None` means "the default for this mode"; an explicit choice that does not
/// fit the mode is an error rather than silently ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub image: Option<String>,
    pub command: Option<Vec<String>>,
    pub userns: Option<Userns>,
    pub userns_shape: Option<UsernsShape>,
    pub fuse: Option<Fuse>,
    pub storage: Option<Storage>,
    pub selinux: Option<Selinux>,
    pub apparmor: Option<Apparmor>,
    pub platform: Option<Platform>,
    pub create_namespace: bool,
    /// Mount the ServiceAccount's API token into the pod (`--service-account-token`). Podman
    /// does not talk to the Kubernetes API, so podwiz writes `automountServiceAccountToken:
    /// false` unless asked: after a breakout, a mounted token adds the account's API rights.
    pub service_account_token: bool,
    /// The workload kind (default: a bare Pod).
    #[serde(default)]
    pub kind: Option<Kind>,
    /// The CronJob's schedule, cron syntax (kind cronjob only).
    #[serde(default)]
    pub schedule: Option<String>,
    /// Keep the article's container securityContext for rootless-no-priv (`runAsUser: 1000`
    /// and the runtime's default capabilities) instead of podwiz's tighter default (`drop:
    /// [ALL]`, `add: [SETUID, SETGID]`, `runAsNonRoot: true`, shown to work on the test node:
    /// assets/runtime-matrix.json). Set by [`Options::article`] only.
    #[serde(default)]
    pub article_capabilities: bool,
}

/// The Podman image podwiz writes unless `--image` says otherwise: a version tag, so podwiz's own
/// mutable-tag finding does not fire on its defaults. The newest Podman 5 tag found published
/// (evidence: assets/pinned-images.md); `quay.io/podman/stable` tags `vX.Y.Z` per Podman release
/// (containers/image_build ci/tag_version.sh).
pub const DEFAULT_IMAGE: &str = "quay.io/podman/stable:v5.8.4";
/// The article's image, unpinned: only `--article` writes it, to reproduce the article.
pub const ARTICLE_IMAGE: &str = "quay.io/podman/stable";
/// The article keeps every pod alive with a long sleep.
pub const ARTICLE_SLEEP: &str = "1000000";
pub const ARTICLE_USERNS_SLEEP: &str = "10000";
pub const ARTICLE_HOSTPATH: &str = "/home/user/.local/share/containers";
/// A nightly build at 03:00 (the controller's time zone, UTC unless set).
pub const DEFAULT_SCHEDULE: &str = "0 3 * * *";

/// Every choice made, after defaults and validation. This is what the bundle is built from and
/// what the JSON output reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub name: String,
    pub namespace: Option<String>,
    pub image: String,
    pub command: Vec<String>,
    pub userns: Option<Userns>,
    pub userns_shape: Option<UsernsShape>,
    pub fuse: Option<Fuse>,
    pub storage: Option<Storage>,
    pub selinux: Option<Selinux>,
    /// `None` for the modes it does not apply to (privileged, remote).
    pub apparmor: Option<Apparmor>,
    pub platform: Platform,
    pub create_namespace: bool,
    /// Whether the pod mounts its ServiceAccount token (see [`Options::service_account_token`]).
    pub service_account_token: bool,
    /// Absent in JSON for a bare Pod, so the pod bundle's output is unchanged.
    #[serde(skip_serializing_if = "Kind::is_pod")]
    pub kind: Kind,
    /// The CronJob's schedule (kind cronjob only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// See [`Options::article_capabilities`]; absent in JSON unless set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub article_capabilities: bool,
}

/// Which options a mode takes, for `--help`, the wizard and validation alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applicable {
    pub userns: bool,
    pub fuse: bool,
    pub storage: bool,
    pub selinux: bool,
    /// Podman mounts inside the pod (fuse-overlayfs, its containers' filesystems): the modes
    /// that take `--fuse` are the ones an AppArmor profile can stop.
    pub apparmor: bool,
}

impl Applicable {
    pub fn for_mode(mode: Mode) -> Applicable {
        match mode {
            Mode::RootfulPriv | Mode::RootlessPriv => Applicable {
                userns: false,
                fuse: false,
                storage: false,
                selinux: false,
                apparmor: false,
            },
            Mode::RootlessNoPriv | Mode::RootfulNoPriv => Applicable {
                userns: false,
                fuse: true,
                storage: true,
                selinux: true,
                apparmor: true,
            },
            Mode::Remote => Applicable {
                userns: false,
                fuse: false,
                storage: false,
                selinux: true,
                apparmor: false,
            },
            Mode::Userns => Applicable {
                userns: true,
                fuse: true,
                storage: true,
                selinux: true,
                apparmor: true,
            },
        }
    }
}

impl Options {
    /// The article's own choices for `mode`: with these, the bundle reproduces its manifests.
    pub fn article(mode: Mode) -> Options {
        let applicable = Applicable::for_mode(mode);
        Options {
            image: Some(ARTICLE_IMAGE.to_string()),
            // The article's pods leave automountServiceAccountToken unset: the token is mounted.
            service_account_token: true,
            article_capabilities: true,
            userns: applicable.userns.then_some(Userns::CrioAnnotation),
            userns_shape: applicable.userns.then_some(UsernsShape::Rootful),
            fuse: applicable.fuse.then_some(Fuse::DevicePlugin),
            storage: applicable.storage.then(|| match mode {
                Mode::RootlessNoPriv => Storage::Hostpath(ARTICLE_HOSTPATH.to_string()),
                _ => Storage::None,
            }),
            selinux: applicable.selinux.then_some(match mode {
                Mode::RootlessNoPriv | Mode::Remote => Selinux::HostDisabled,
                _ => Selinux::None,
            }),
            ..Options::default()
        }
    }

    /// Apply the defaults for `mode` and check every rule. The first broken rule is returned.
    pub fn resolve(&self, mode: Mode) -> Result<Resolved, OptionError> {
        let applicable = Applicable::for_mode(mode);
        let platform = self.platform.unwrap_or(Platform::Kubernetes);

        let name = self
            .name
            .clone()
            .unwrap_or_else(|| mode.default_pod_name().to_string());
        validate::dns1123_subdomain(&name)
            .map_err(|rule| OptionError::new("--name", &name, rule))?;
        if let Some(namespace) = &self.namespace {
            validate::dns1123_label(namespace)
                .map_err(|rule| OptionError::new("--namespace", namespace, rule))?;
        }
        let image = self
            .image
            .clone()
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
        validate::image_reference(&image)
            .map_err(|rule| OptionError::new("--image", &image, rule))?;
        let command = match &self.command {
            Some(command) if command.first().is_none_or(|word| word.trim().is_empty()) => {
                return Err(OptionError::new(
                    "--",
                    &command.join(" "),
                    "the command needs a program name as its first word",
                ));
            }
            Some(command) => command.clone(),
            None if mode == Mode::Userns => vec!["sleep".into(), ARTICLE_USERNS_SLEEP.into()],
            None => vec!["sleep".into(), ARTICLE_SLEEP.into()],
        };

        let not_needed = |flag: &'static str, value: String, why: &str| {
            Err(OptionError::new(
                flag,
                &value,
                format!("not used by mode {mode}: {why}"),
            ))
        };
        if !applicable.fuse
            && let Some(fuse) = self.fuse
        {
            return not_needed(
                "--fuse",
                fuse.to_string(),
                match mode {
                    Mode::Remote => "the pod uses the node's Podman, it needs no /dev/fuse",
                    _ => "a privileged pod already sees every host device, /dev/fuse included",
                },
            );
        }
        if !applicable.storage
            && let Some(storage) = &self.storage
        {
            return not_needed(
                "--storage",
                storage.to_string(),
                match mode {
                    Mode::Remote => "images and containers live on the node, not in the pod",
                    _ => {
                        "the privileged modes keep the article's pod as is; choose a non-privileged mode for storage options"
                    }
                },
            );
        }
        if !applicable.selinux
            && let Some(selinux) = self.selinux
        {
            return not_needed(
                "--selinux",
                selinux.to_string(),
                "a privileged container runs unconfined (spc_t) anyway",
            );
        }
        if !applicable.apparmor
            && let Some(apparmor) = &self.apparmor
        {
            return not_needed(
                "--apparmor",
                apparmor.to_string(),
                match mode {
                    Mode::Remote => {
                        "podman --remote mounts nothing in the pod; the node's Podman does"
                    }
                    _ => "a privileged container runs unconfined by AppArmor anyway",
                },
            );
        }
        if !applicable.userns {
            if let Some(userns) = self.userns {
                return not_needed(
                    "--userns",
                    userns.to_string(),
                    "only mode userns runs the pod in a user namespace",
                );
            }
            if let Some(shape) = self.userns_shape {
                return not_needed(
                    "--userns-shape",
                    shape.to_string(),
                    "only mode userns runs the pod in a user namespace",
                );
            }
        }
        if let Some(storage) = &self.storage {
            storage.validate()?;
        }

        let mut userns = applicable
            .userns
            .then(|| self.userns.unwrap_or(Userns::Hostusers));
        let mut userns_shape = applicable.userns.then(|| {
            self.userns_shape.unwrap_or(match platform {
                Platform::Openshift => UsernsShape::Rootless,
                Platform::Kubernetes => UsernsShape::Rootful,
            })
        });
        let fuse = applicable.fuse.then(|| {
            self.fuse.unwrap_or(match platform {
                Platform::Openshift => Fuse::CrioDevices,
                Platform::Kubernetes => Fuse::GenericDevicePlugin,
            })
        });
        let storage = applicable
            .storage
            .then(|| self.storage.clone().unwrap_or(Storage::Emptydir));
        let selinux = applicable.selinux.then(|| {
            self.selinux.unwrap_or(match mode {
                // No SELinux type is known to let a pod talk to the node's Podman socket.
                Mode::Remote => Selinux::HostDisabled,
                _ => Selinux::EngineType,
            })
        });

        let apparmor = applicable
            .apparmor
            .then(|| self.apparmor.clone().unwrap_or(Apparmor::RuntimeDefault));

        if mode == Mode::Remote && selinux == Some(Selinux::EngineType) {
            return Err(OptionError::new(
                "--selinux",
                "engine-type",
                "not usable with mode remote: container_engine_t may not connect to the node's Podman socket; use host-disabled or none",
            ));
        }
        if userns == Some(Userns::CrioAnnotation) && userns_shape == Some(UsernsShape::Rootless) {
            return Err(OptionError::new(
                "--userns-shape",
                "rootless",
                "needs --userns hostusers: the rootless shape relies on procMount: Unmasked, which needs spec.hostUsers: false",
            ));
        }
        if platform == Platform::Openshift {
            match mode {
                Mode::RootfulNoPriv | Mode::Remote => {
                    return Err(OptionError::new(
                        "--platform",
                        "openshift",
                        format!(
                            "mode {mode} needs a custom SCC on OpenShift; use userns (SCC nested-container) or rootful-priv (SCC privileged)"
                        ),
                    ));
                }
                Mode::Userns if userns == Some(Userns::CrioAnnotation) => {
                    return Err(OptionError::new(
                        "--userns",
                        "crio-annotation",
                        "not with --platform openshift: the nested-container SCC requires spec.hostUsers: false",
                    ));
                }
                _ => {}
            }
            if self.namespace.is_none() {
                return Err(OptionError::new(
                    "--namespace",
                    "",
                    "required with --platform openshift: the RoleBinding that grants the SCC names the namespace",
                ));
            }
            // The nested-container SCC only admits the rootless shape.
            if mode == Mode::Userns {
                userns = Some(Userns::Hostusers);
                userns_shape = Some(userns_shape.unwrap_or(UsernsShape::Rootless));
                if userns_shape == Some(UsernsShape::Rootful) {
                    return Err(OptionError::new(
                        "--userns-shape",
                        "rootful",
                        "not with --platform openshift: the nested-container SCC allows SETUID and SETGID only, not SYS_ADMIN",
                    ));
                }
            }
        }
        let kind = self.kind.unwrap_or_default();
        // The Job controller labels its pods `job-name: NAME` and a StatefulSet's pods take
        // NAME-0 as hostname: both need a DNS label; a CronJob's Jobs add 11 characters.
        if matches!(kind, Kind::Job | Kind::StatefulSet | Kind::CronJob) {
            validate::dns1123_label(&name).map_err(|rule| {
                OptionError::new("--name", &name, format!("a {kind} name {rule}"))
            })?;
        }
        if kind == Kind::CronJob && name.len() > 52 {
            return Err(OptionError::new(
                "--name",
                &name,
                "a cronjob name must be at most 52 characters (its Jobs add a 11-character suffix)",
            ));
        }
        let schedule = match (kind, &self.schedule) {
            (Kind::CronJob, Some(schedule)) => {
                validate::cron_schedule(schedule)
                    .map_err(|rule| OptionError::new("--schedule", schedule, rule))?;
                Some(schedule.clone())
            }
            (Kind::CronJob, None) => Some(DEFAULT_SCHEDULE.to_string()),
            (_, Some(schedule)) => {
                return Err(OptionError::new(
                    "--schedule",
                    schedule,
                    "only used with --kind cronjob",
                ));
            }
            (_, None) => None,
        };
        if self.create_namespace && self.namespace.is_none() {
            return Err(OptionError::new(
                "--create-namespace",
                "true",
                "needs -n/--namespace to name the namespace to create",
            ));
        }

        Ok(Resolved {
            name,
            namespace: self.namespace.clone(),
            image,
            command,
            userns,
            userns_shape,
            fuse,
            storage,
            selinux,
            apparmor,
            platform,
            create_namespace: self.create_namespace,
            service_account_token: self.service_account_token,
            kind,
            schedule,
            article_capabilities: self.article_capabilities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_every_mode() {
        for mode in Mode::ALL {
            let resolved = Options::default()
                .resolve(mode)
                .expect("defaults are valid");
            assert_eq!(resolved.name, mode.default_pod_name());
            assert_eq!(resolved.image, DEFAULT_IMAGE);
            assert_eq!(resolved.fuse.is_some(), Applicable::for_mode(mode).fuse);
        }
    }

    #[test]
    fn article_options_are_valid() {
        for mode in Mode::ALL {
            Options::article(mode)
                .resolve(mode)
                .expect("article options are valid");
        }
    }

    #[test]
    fn a_variant_that_does_not_fit_says_it_is_not_needed() {
        let options = Options {
            fuse: Some(Fuse::DevicePlugin),
            ..Options::default()
        };
        let err = options.resolve(Mode::RootfulPriv).unwrap_err();
        assert_eq!(err.flag, "--fuse");
        assert!(
            err.to_string().contains("not used by mode rootful-priv"),
            "{err}"
        );
    }

    #[test]
    fn storage_parses_and_validates() {
        assert_eq!("emptydir".parse::<Storage>(), Ok(Storage::Emptydir));
        assert_eq!(
            "pvc:podman-store".parse::<Storage>(),
            Ok(Storage::Pvc("podman-store".into()))
        );
        assert_eq!(
            "hostpath:/srv/podman".parse::<Storage>(),
            Ok(Storage::Hostpath("/srv/podman".into()))
        );
        let err = "hostpath:srv".parse::<Storage>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value 'hostpath:srv' for '--storage': the path must be absolute"
        );
        let err = "hostpath:/srv/../etc".parse::<Storage>().unwrap_err();
        assert!(err.to_string().contains("'..'"), "{err}");
        let err = "pvc:Bad_Name".parse::<Storage>().unwrap_err();
        assert!(err.rule.starts_with("the claim name"), "{err}");
        assert!("tmpfs".parse::<Storage>().is_err());
    }

    #[test]
    fn openshift_needs_a_namespace_and_a_fitting_mode() {
        let options = Options {
            platform: Some(Platform::Openshift),
            ..Options::default()
        };
        assert_eq!(
            options.resolve(Mode::Userns).unwrap_err().flag,
            "--namespace"
        );
        let options = Options {
            namespace: Some("ci".into()),
            ..options
        };
        assert_eq!(
            options.resolve(Mode::Remote).unwrap_err().flag,
            "--platform"
        );
        let resolved = options
            .resolve(Mode::Userns)
            .expect("userns fits openshift");
        assert_eq!(resolved.userns_shape, Some(UsernsShape::Rootless));
        assert_eq!(resolved.fuse, Some(Fuse::CrioDevices));
    }
}
