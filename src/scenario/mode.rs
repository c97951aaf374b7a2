//! The six ways to run Podman in a pod, named after the source article's manifest files.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    RootfulPriv,
    RootlessPriv,
    RootlessNoPriv,
    RootfulNoPriv,
    Remote,
    Userns,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::RootfulPriv,
        Mode::RootlessPriv,
        Mode::RootlessNoPriv,
        Mode::RootfulNoPriv,
        Mode::Remote,
        Mode::Userns,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Mode::RootfulPriv => "rootful-priv",
            Mode::RootlessPriv => "rootless-priv",
            Mode::RootlessNoPriv => "rootless-no-priv",
            Mode::RootfulNoPriv => "rootful-no-priv",
            Mode::Remote => "remote",
            Mode::Userns => "userns",
        }
    }

    /// One line for `podwiz modes` and the wizard's lists.
    pub fn summary(self) -> &'static str {
        match self {
            Mode::RootfulPriv => {
                "Podman as root in a privileged pod: everything works, nothing is contained"
            }
            Mode::RootlessPriv => {
                "Podman as uid 1000 in a privileged pod: rootless inside, privileged outside"
            }
            Mode::RootlessNoPriv => {
                "Podman as uid 1000 without privilege: needs /dev/fuse and storage"
            }
            Mode::RootfulNoPriv => {
                "Podman as root without privilege: SYS_ADMIN, MKNOD, SYS_CHROOT, SETFCAP + /dev/fuse"
            }
            Mode::Remote => "podman-remote driving the node's Podman socket: root on the node",
            Mode::Userns => {
                "Podman in a user-namespaced pod: root inside, unprivileged ids on the node"
            }
        }
    }

    /// Whether the pod runs with `securityContext.privileged: true`.
    pub fn is_privileged(self) -> bool {
        matches!(self, Mode::RootfulPriv | Mode::RootlessPriv)
    }

    /// The article's pod name; `--name` overrides it.
    pub fn default_pod_name(self) -> &'static str {
        match self {
            Mode::RootfulPriv => "podman-priv",
            Mode::RootlessPriv => "podman-rootless",
            Mode::RootlessNoPriv => "no-priv",
            Mode::RootfulNoPriv => "no-priv-rootful",
            Mode::Remote => "podman-remote",
            Mode::Userns => "podman-userns",
        }
    }

    /// The article's container name (kept whatever the pod is called).
    pub fn container_name(self) -> &'static str {
        match self {
            Mode::RootfulPriv => "priv",
            Mode::RootlessPriv => "rootless",
            Mode::RootlessNoPriv => "no-priv",
            Mode::RootfulNoPriv => "no-priv-rootful",
            Mode::Remote => "remote",
            Mode::Userns => "userns",
        }
    }

    /// The mode id closest to `input`, for "did you mean" hints.
    pub fn closest(input: &str) -> Option<Mode> {
        let input = input.to_ascii_lowercase();
        Mode::ALL
            .into_iter()
            .map(|m| (strsim::jaro_winkler(&input, m.id()), m))
            .filter(|(similarity, _)| *similarity >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, m)| m)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode '{input}'{hint}; the modes are: {all}", hint = suggestion(.suggested), all = all_ids())]
pub struct UnknownMode {
    pub input: String,
    pub suggested: Option<Mode>,
}

fn suggestion(suggested: &Option<Mode>) -> String {
    suggested
        .map(|m| format!(" (did you mean '{m}'?)"))
        .unwrap_or_default()
}

fn all_ids() -> String {
    Mode::ALL.map(Mode::id).join(", ")
}

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.id() == s)
            .ok_or_else(|| UnknownMode {
                input: s.to_string(),
                suggested: Mode::closest(s),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(mode.id().parse::<Mode>(), Ok(mode));
        }
    }

    #[test]
    fn unknown_mode_suggests_the_closest() {
        let err = "rootles-priv".parse::<Mode>().unwrap_err();
        assert_eq!(err.suggested, Some(Mode::RootlessPriv));
        assert!(err.to_string().contains("did you mean 'rootless-priv'?"));
        let err = "kubernetes-in-docker-please".parse::<Mode>().unwrap_err();
        assert_eq!(err.suggested, None);
        assert!(err.to_string().starts_with(
            "unknown mode 'kubernetes-in-docker-please'; the modes are: rootful-priv"
        ));
    }
}
