//! Pod Security Standards (baseline, restricted) evaluated like k8s.io/pod-security-admission.
//!
//! This is a line-by-line port of the checks in `k8s.io/pod-security-admission/policy`
//! (module v0.37.x, Kubernetes v1.37): same checks, same version gates, same check order
//! (baseline check IDs sorted, then restricted check IDs sorted, as `registry.go` does),
//! same overrides at restricted, and the same `ForbiddenReason` / `ForbiddenDetail` wording,
//! so every violation string reads exactly like the API server's message.
//!
//! Pure: no I/O, never panics on input data.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, Lifecycle, LifecycleHandler, Pod, PodSpec, Probe, SELinuxOptions,
    SecurityContext, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Newest policy minor version known to this port (the newest `MinimumVersion` of any check is
/// v1.37; `latest` and any newer version evaluate as this one, like PSA's `maxVersion` clamp).
pub const MAX_POLICY_MINOR: u32 = 37;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A Pod Security Standards level. Ordered from most to least secure.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Restricted,
    Baseline,
    Privileged,
}

impl Level {
    /// All levels, most to least secure.
    pub const ALL: [Level; 3] = [Level::Restricted, Level::Baseline, Level::Privileged];

    /// The label value used by the API server: `privileged`, `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error parsing a [`Level`] or a [`PolicyVersion`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PssParseError {
    #[error(
        "unknown Pod Security level {0:?}: must be \"privileged\", \"baseline\" or \"restricted\""
    )]
    Level(String),
    #[error("invalid Pod Security version {0:?}: must be \"latest\" or \"v1.x\"")]
    Version(String),
}

impl FromStr for Level {
    type Err = PssParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| PssParseError::Level(s.to_string()))
    }
}

/// A policy version (`pod-security.kubernetes.io/enforce-version`): `latest` or `v1.<minor>`.
///
/// Ordered like PSA's `Version.Older`: every `V(n)` is older than `Latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyVersion {
    /// `v1.<minor>` (the major version is always 1).
    V(u32),
    Latest,
}

impl PolicyVersion {
    /// The minor version; `Latest` is [`MAX_POLICY_MINOR`] (37).
    pub fn minor(self) -> u32 {
        match self {
            PolicyVersion::Latest => MAX_POLICY_MINOR,
            PolicyVersion::V(m) => m,
        }
    }

    /// The minor version whose checks actually run (versions past v1.37 run the v1.37 checks).
    fn effective_minor(self) -> u32 {
        self.minor().min(MAX_POLICY_MINOR)
    }
}

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyVersion::Latest => f.write_str("latest"),
            PolicyVersion::V(m) => write!(f, "v1.{m}"),
        }
    }
}

impl FromStr for PolicyVersion {
    type Err = PssParseError;

    /// Accepts `latest`, `v1.31` and `1.31`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t == "latest" {
            return Ok(PolicyVersion::Latest);
        }
        let err = || PssParseError::Version(s.to_string());
        let rest = t.strip_prefix('v').unwrap_or(t);
        let minor = rest.strip_prefix("1.").ok_or_else(err)?;
        // Same shape as PSA's `^v1\.(0|[1-9][0-9]*)$`.
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(err());
        }
        minor
            .parse::<u32>()
            .map(PolicyVersion::V)
            .map_err(|_| err())
    }
}

impl serde::Serialize for PolicyVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PolicyVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Violation strings (`"<reason> (<detail>)"`) at each level. Empty when the level passes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violations {
    /// Failures of the baseline checks.
    pub baseline: Vec<String>,
    /// Failures when evaluating at restricted (includes the baseline checks, as PSA does).
    pub restricted: Vec<String>,
}

/// Outcome of evaluating a pod against every level at one policy version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PssResult {
    /// The most secure level the pod satisfies.
    pub level: Level,
    pub version: PolicyVersion,
    pub violations: Violations,
}

/// One failed check, with the wording PSA uses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// PSA check ID, e.g. `privileged`, `capabilities_restricted`.
    pub check: &'static str,
    /// `ForbiddenReason`, e.g. `privileged`.
    pub reason: String,
    /// `ForbiddenDetail`, e.g. `container "priv" must not set securityContext.privileged=true`.
    pub detail: String,
}

impl fmt::Display for Violation {
    /// `reason (detail)`, or just `reason` when the detail is empty (as `AggregateCheckResult`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{} ({})", self.reason, self.detail)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

/// Evaluates a Pod at every level for `version`, as the API server does on create.
///
/// The API server defaults a Pod before admission; the one Pod-only defaulting that changes a
/// PodSecurity outcome is applied here too: with `hostNetwork: true`, each container and init
/// container port without a `hostPort` gets `hostPort = containerPort` (SetDefaults_Pod), so such
/// a pod also reports `hostPort`. (Sourceless volumes, defaulted to emptyDir for pods and
/// templates alike, are handled by the checks themselves.)
pub fn evaluate_pod(pod: &Pod, version: PolicyVersion) -> PssResult {
    let empty = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    match default_host_network_ports(spec) {
        Some(defaulted) => evaluate(&pod.metadata, &defaulted, version),
        None => evaluate(&pod.metadata, spec, version),
    }
}

/// `defaultHostNetworkPorts` for a Pod; `None` when nothing changes.
fn default_host_network_ports(spec: &PodSpec) -> Option<PodSpec> {
    let needs = |cs: &[Container]| {
        cs.iter()
            .flat_map(|c| c.ports.iter().flatten())
            .any(|p| p.host_port.unwrap_or(0) == 0)
    };
    let inits = spec.init_containers.as_deref().unwrap_or_default();
    if spec.host_network != Some(true) || !(needs(&spec.containers) || needs(inits)) {
        return None;
    }
    let mut out = spec.clone();
    let fix = |cs: &mut Vec<Container>| {
        for p in cs.iter_mut().flat_map(|c| c.ports.iter_mut().flatten()) {
            if p.host_port.unwrap_or(0) == 0 {
                p.host_port = Some(p.container_port);
            }
        }
    };
    fix(&mut out.containers);
    if let Some(inits) = out.init_containers.as_mut() {
        fix(inits);
    }
    Some(out)
}

/// Evaluates pod metadata + spec (a Pod, or a workload's pod template) at every level.
///
/// `level` is `privileged` when a baseline check fails, else `baseline` when a restricted check
/// fails, else `restricted`.
pub fn evaluate(meta: &ObjectMeta, spec: &PodSpec, version: PolicyVersion) -> PssResult {
    let baseline = check_level(meta, spec, Level::Baseline, version);
    let restricted = check_level(meta, spec, Level::Restricted, version);
    let level = if !baseline.is_empty() {
        Level::Privileged
    } else if !restricted.is_empty() {
        Level::Baseline
    } else {
        Level::Restricted
    };
    PssResult {
        level,
        version,
        violations: Violations {
            baseline,
            restricted,
        },
    }
}

/// Violation strings at exactly `level` (restricted includes the baseline checks, minus the ones
/// a restricted check overrides, as PSA's registry does). Empty for `privileged`.
pub fn check_level(
    meta: &ObjectMeta,
    spec: &PodSpec,
    level: Level,
    version: PolicyVersion,
) -> Vec<String> {
    check_level_detailed(meta, spec, level, version)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Like [`check_level`], keeping the check ID, reason and detail apart.
pub fn check_level_detailed(
    meta: &ObjectMeta,
    spec: &PodSpec,
    level: Level,
    version: PolicyVersion,
) -> Vec<Violation> {
    checks_for(level, version)
        .into_iter()
        .filter_map(|(id, check)| {
            check(meta, spec).map(|fail| Violation {
                check: id,
                reason: if fail.reason.is_empty() {
                    "unknown forbidden reason".to_string()
                } else {
                    fail.reason
                },
                detail: fail.detail,
            })
        })
        .collect()
}

/// The IDs of the checks that run at `level` and `version`, in PSA's order.
pub fn check_ids(level: Level, version: PolicyVersion) -> Vec<&'static str> {
    checks_for(level, version)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// The enforce error the API server returns (after `pods "name" is forbidden: `):
/// `violates PodSecurity "baseline:latest": a, b`.
///
/// The violations are joined with `", "`, as `AggregateCheckResult.ForbiddenDetail()` does.
pub fn forbidden_message(level: Level, version: PolicyVersion, violations: &[String]) -> String {
    format!(
        "violates PodSecurity \"{level}:{version}\": {}",
        violations.join(", ")
    )
}

/// The warn-mode warning (and audit annotation) text: `would violate PodSecurity "…": a, b`.
pub fn warning_message(level: Level, version: PolicyVersion, violations: &[String]) -> String {
    format!(
        "would violate PodSecurity \"{level}:{version}\": {}",
        violations.join(", ")
    )
}

// ---------------------------------------------------------------------------------------------
// Registry (registry.go)
// ---------------------------------------------------------------------------------------------

/// A failed check: `ForbiddenReason` and `ForbiddenDetail`.
struct Fail {
    reason: String,
    detail: String,
}

impl Fail {
    fn new(reason: impl Into<String>, detail: impl Into<String>) -> Option<Fail> {
        Some(Fail {
            reason: reason.into(),
            detail: detail.into(),
        })
    }
}

type CheckFn = fn(&ObjectMeta, &PodSpec) -> Option<Fail>;

struct VersionedCheck {
    min_minor: u32,
    check: CheckFn,
    overrides: &'static [&'static str],
}

struct CheckDef {
    id: &'static str,
    level: Level,
    /// Strictly increasing `min_minor`.
    versions: &'static [VersionedCheck],
}

const fn v(min_minor: u32, check: CheckFn) -> VersionedCheck {
    VersionedCheck {
        min_minor,
        check,
        overrides: &[],
    }
}

const fn vo(min_minor: u32, check: CheckFn, overrides: &'static [&'static str]) -> VersionedCheck {
    VersionedCheck {
        min_minor,
        check,
        overrides,
    }
}

const B: Level = Level::Baseline;
const R: Level = Level::Restricted;

/// Every default check of policy v0.37 (`policy.DefaultChecks()`).
static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "allowPrivilegeEscalation",
        level: R,
        versions: &[
            v(8, allow_privilege_escalation_1_8),
            v(25, allow_privilege_escalation_1_25),
        ],
    },
    CheckDef {
        id: "appArmorProfile",
        level: B,
        versions: &[v(0, app_armor_profile_1_0)],
    },
    CheckDef {
        id: "capabilities_baseline",
        level: B,
        versions: &[v(0, capabilities_baseline_1_0)],
    },
    CheckDef {
        id: "capabilities_restricted",
        level: R,
        versions: &[
            vo(22, capabilities_restricted_1_22, &["capabilities_baseline"]),
            vo(25, capabilities_restricted_1_25, &["capabilities_baseline"]),
        ],
    },
    CheckDef {
        id: "hostNamespaces",
        level: B,
        versions: &[v(0, host_namespaces_1_0)],
    },
    CheckDef {
        id: "hostPathVolumes",
        level: B,
        versions: &[v(0, host_path_volumes_1_0)],
    },
    CheckDef {
        id: "hostPorts",
        level: B,
        versions: &[v(0, host_ports_1_0)],
    },
    CheckDef {
        id: "hostProbesAndHostLifecycle",
        level: B,
        versions: &[v(34, host_probes_and_host_lifecycle_1_34)],
    },
    CheckDef {
        id: "privileged",
        level: B,
        versions: &[v(0, privileged_1_0)],
    },
    CheckDef {
        id: "procMount",
        level: B,
        versions: &[v(0, proc_mount_1_0), v(35, proc_mount_1_35_baseline)],
    },
    CheckDef {
        id: "procMount_restricted",
        level: R,
        versions: &[vo(35, proc_mount_1_0, &["procMount"])],
    },
    CheckDef {
        id: "restrictedVolumes",
        level: R,
        versions: &[vo(0, restricted_volumes_1_0, &["hostPathVolumes"])],
    },
    CheckDef {
        id: "runAsNonRoot",
        level: R,
        versions: &[v(0, run_as_non_root_1_0), v(35, run_as_non_root_1_35)],
    },
    CheckDef {
        id: "runAsUser",
        level: R,
        versions: &[v(23, run_as_user_1_23), v(35, run_as_user_1_35)],
    },
    CheckDef {
        id: "seLinuxOptions",
        level: B,
        versions: &[v(0, se_linux_options_1_0), v(31, se_linux_options_1_31)],
    },
    CheckDef {
        id: "seccompProfile_baseline",
        level: B,
        versions: &[
            v(0, seccomp_profile_baseline_1_0),
            v(19, seccomp_profile_baseline_1_19),
        ],
    },
    CheckDef {
        id: "seccompProfile_restricted",
        level: R,
        versions: &[
            vo(
                19,
                seccomp_profile_restricted_1_19,
                &["seccompProfile_baseline"],
            ),
            vo(
                25,
                seccomp_profile_restricted_1_25,
                &["seccompProfile_baseline"],
            ),
        ],
    },
    CheckDef {
        id: "sysctls",
        level: B,
        versions: &[
            v(0, sysctls_1_0),
            v(27, sysctls_1_27),
            v(29, sysctls_1_29),
            v(32, sysctls_1_32),
            v(37, sysctls_1_37),
        ],
    },
    CheckDef {
        id: "windowsHostProcess",
        level: B,
        versions: &[v(0, windows_host_process_1_0)],
    },
];

impl CheckDef {
    /// The versioned check in force at `minor` (the last one whose minimum is <= minor).
    fn at(&self, minor: u32) -> Option<&VersionedCheck> {
        self.versions.iter().rev().find(|c| c.min_minor <= minor)
    }
}

/// The checks to run, in PSA's order: baseline IDs sorted, then restricted IDs sorted (byte
/// order, like Go's `slices.Sort`), dropping baseline checks overridden at restricted.
fn checks_for(level: Level, version: PolicyVersion) -> Vec<(&'static str, CheckFn)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let minor = version.effective_minor();
    let sorted = |lvl: Level| {
        let mut defs: Vec<&CheckDef> = CHECKS.iter().filter(|c| c.level == lvl).collect();
        defs.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
        defs
    };
    let baseline = sorted(Level::Baseline);
    let restricted = if level == Level::Restricted {
        sorted(Level::Restricted)
    } else {
        Vec::new()
    };
    let overridden: BTreeSet<&str> = restricted
        .iter()
        .filter_map(|d| d.at(minor))
        .flat_map(|c| c.overrides.iter().copied())
        .collect();
    baseline
        .into_iter()
        .filter(|d| !overridden.contains(d.id))
        .chain(restricted)
        .filter_map(|d| d.at(minor).map(|c| (d.id, c.check)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Helpers (helpers.go, visitor.go)
// ---------------------------------------------------------------------------------------------

/// The fields of a Container / EphemeralContainer that the checks read.
struct Ctr<'a> {
    name: &'a str,
    sc: Option<&'a SecurityContext>,
    ports: &'a [ContainerPort],
    liveness: Option<&'a Probe>,
    readiness: Option<&'a Probe>,
    startup: Option<&'a Probe>,
    lifecycle: Option<&'a Lifecycle>,
}

/// `visitContainers`: initContainers, then containers, then ephemeralContainers.
fn containers(spec: &PodSpec) -> Vec<Ctr<'_>> {
    let mut out: Vec<Ctr<'_>> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .map(ctr)
        .collect();
    out.extend(spec.ephemeral_containers.iter().flatten().map(|c| Ctr {
        name: &c.name,
        sc: c.security_context.as_ref(),
        ports: c.ports.as_deref().unwrap_or_default(),
        liveness: c.liveness_probe.as_ref(),
        readiness: c.readiness_probe.as_ref(),
        startup: c.startup_probe.as_ref(),
        lifecycle: c.lifecycle.as_ref(),
    }));
    out
}

fn ctr(c: &Container) -> Ctr<'_> {
    Ctr {
        name: &c.name,
        sc: c.security_context.as_ref(),
        ports: c.ports.as_deref().unwrap_or_default(),
        liveness: c.liveness_probe.as_ref(),
        readiness: c.readiness_probe.as_ref(),
        startup: c.startup_probe.as_ref(),
        lifecycle: c.lifecycle.as_ref(),
    }
}

/// `joinQuote`: `"a", "b"` (no escaping, like the Go helper).
fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", inner.join("\", \""))
}

fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 { singular } else { plural }
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Go's `%q` (`strconv.Quote`) for the strings PSA formats with it.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') || c == '\u{feff}' => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `relaxPolicyForUserNamespacePod`: `hostUsers: false`.
fn user_namespace_pod(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

fn is_windows_pod(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

fn str_or_empty(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Checks: one file per upstream `policy/check_*.go`
// ---------------------------------------------------------------------------------------------

mod check_allow_privilege_escalation;
mod check_app_armor_profile;
mod check_capabilities_baseline;
mod check_capabilities_restricted;
mod check_host_namespaces;
mod check_host_path_volumes;
mod check_host_ports;
mod check_host_probes_and_host_lifecycle;
mod check_privileged;
mod check_proc_mount;
mod check_restricted_volumes;
mod check_run_as_non_root;
mod check_run_as_user;
mod check_se_linux_options;
mod check_seccomp_profile_baseline;
mod check_seccomp_profile_restricted;
mod check_sysctls;
mod check_windows_host_process;

use check_allow_privilege_escalation::*;
use check_app_armor_profile::*;
use check_capabilities_baseline::*;
use check_capabilities_restricted::*;
use check_host_namespaces::*;
use check_host_path_volumes::*;
use check_host_ports::*;
use check_host_probes_and_host_lifecycle::*;
use check_privileged::*;
use check_proc_mount::*;
use check_restricted_volumes::*;
use check_run_as_non_root::*;
use check_run_as_user::*;
use check_se_linux_options::*;
use check_seccomp_profile_baseline::*;
use check_seccomp_profile_restricted::*;
use check_sysctls::*;
use check_windows_host_process::*;

pub use check_capabilities_baseline::BASELINE_CAPABILITIES;
pub use check_sysctls::allowed_sysctls;

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_saphyr::from_str(yaml).expect("test pod parses")
    }

    fn ver(s: &str) -> PolicyVersion {
        s.parse().expect("test version parses")
    }

    /// PSA's raw evaluation of metadata + spec (no Pod defaulting), joined like the API server.
    fn detail(yaml: &str, level: Level, version: &str) -> String {
        let p = pod(yaml);
        let spec = p.spec.clone().unwrap_or_default();
        check_level(&p.metadata, &spec, level, ver(version)).join(", ")
    }

    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTFUL_PRIV: &str = include_str!("../../../tests/fixtures/article/rootful-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTLESS_PRIV: &str = include_str!("../../../tests/fixtures/article/rootless-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTLESS_NO_PRIV: &str =
        include_str!("../../../tests/fixtures/article/rootless-no-priv.yaml");
    const ROOTLESS_NO_PRIV_EMPTYDIR: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: no-priv
spec:
  containers:
  - name: no-priv
    image: quay.io/podman/stable
    args: ["sleep", "1000000"]
    securityContext:
      runAsUser: 1000
    resources:
      limits:
        github.com/fuse: 1
    volumeMounts:
    - mountPath: /home/podman/.local/share/containers
      name: podman-local
  volumes:
  - name: podman-local
    emptyDir: {}
"#;
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTFUL_NO_PRIV: &str =
        include_str!("../../../tests/fixtures/article/rootful-no-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const REMOTE: &str = include_str!("../../../tests/fixtures/article/remote.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const USERNS: &str = include_str!("../../../tests/fixtures/article/userns.yaml");
    const PROCMOUNT_USERNS: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: pm
spec:
  hostUsers: false
  securityContext:
    runAsNonRoot: false
    runAsUser: 0
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: podman
    image: quay.io/podman/stable
    securityContext:
      procMount: Unmasked
      runAsUser: 0
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
"#;
    const PROCMOUNT_HOST: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: pm
spec:
  containers:
  - name: podman
    image: quay.io/podman/stable
    securityContext:
      procMount: Unmasked
"#;
    const SELINUX_ENGINE: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: se
spec:
  securityContext:
    seLinuxOptions:
      type: container_engine_t
  containers:
  - name: podman
    image: quay.io/podman/stable
"#;
    const KITCHEN_SINK: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: sink
  annotations:
    container.apparmor.security.beta.kubernetes.io/b: unconfined
    container.apparmor.security.beta.kubernetes.io/a: "bad\tvalue"
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/e: docker/default
    container.seccomp.security.alpha.kubernetes.io/b: unconfined
spec:
  hostNetwork: true
  hostPID: true
  hostIPC: true
  securityContext:
    runAsNonRoot: false
    runAsUser: 0
    seccompProfile:
      type: Unconfined
    appArmorProfile:
      type: Unconfined
    seLinuxOptions:
      user: system_u
      type: spc_t
    sysctls:
    - name: kernel.msgmax
      value: "1"
    - name: net.ipv4.tcp_rmem
      value: "1"
    - name: net.ipv4.tcp_notsent_lowat
      value: "1"
    windowsOptions:
      hostProcess: true
  initContainers:
  - name: init
    image: busybox
    ports:
    - containerPort: 80
      hostPort: 9000
    - containerPort: 81
      hostPort: 10000
    securityContext:
      privileged: true
      capabilities:
        add: ["SYS_ADMIN", "NET_RAW", "CHOWN"]
        drop: ["ALL"]
      seLinuxOptions:
        role: r
        type: container_engine_t
  containers:
  - name: z
    image: busybox
    livenessProbe:
      httpGet:
        host: 10.0.0.1
        port: 80
    lifecycle:
      preStop:
        tcpSocket:
          host: example.com
          port: 80
    securityContext:
      allowPrivilegeEscalation: true
      procMount: Unmasked
      runAsNonRoot: false
      seccompProfile:
        type: Localhost
        localhostProfile: x.json
  - name: b
    image: busybox
    ports:
    - containerPort: 8080
    readinessProbe:
      tcpSocket:
        host: 127.0.0.1
        port: 80
    securityContext:
      privileged: true
      runAsUser: 0
      appArmorProfile:
        type: Unconfined
      windowsOptions:
        hostProcess: true
      capabilities:
        add: ["NET_BIND_SERVICE"]
  ephemeralContainers:
  - name: e
    image: busybox
    securityContext:
      privileged: true
      seccompProfile:
        type: Unconfined
      capabilities:
        add: ["BPF"]
  volumes:
  - name: hp
    hostPath:
      path: /
  - name: nfs
    nfs:
      server: s
      path: /
  - name: cm
    configMap:
      name: c
  - name: git
    gitRepo:
      repository: r
"#;
    const WINDOWS: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: win
spec:
  os:
    name: windows
  securityContext:
    runAsNonRoot: true
  containers:
  - name: w
    image: mcr.microsoft.com/windows/nanoserver
"#;
    const IMPLICIT: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: imp
spec:
  containers:
  - name: a
    image: busybox
  - name: b
    image: busybox
    securityContext:
      runAsNonRoot: true
      seccompProfile:
        type: RuntimeDefault
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
"#;

    /// Expected strings produced by the upstream Go evaluator (policy.NewEvaluator at v0.37.2,
    /// `AggregateCheckResults(...).ForbiddenDetail()`), pasted verbatim.
    const GO_EXPECTED: &[(&str, &str, &str, &str)] = &[
        (
            KITCHEN_SINK,
            "baseline",
            "latest",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPath volumes (volume "hp"), hostPort (container "init" uses hostPorts 10000, 9000), probe or lifecycle host (containers "b", "z" use probe or lifecycle hosts "10.0.0.1", "127.0.0.1", "example.com"), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set), seccompProfile (pod and container "e" must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (
            REMOTE,
            "baseline",
            "latest",
            r#"hostPath volumes (volume "podman-sock")"#,
        ),
        (
            ROOTFUL_NO_PRIV,
            "baseline",
            "latest",
            r#"non-default capabilities (container "no-priv-rootful" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#,
        ),
        (
            ROOTFUL_PRIV,
            "baseline",
            "latest",
            r#"privileged (container "priv" must not set securityContext.privileged=true)"#,
        ),
        (
            ROOTLESS_NO_PRIV,
            "baseline",
            "latest",
            r#"hostPath volumes (volume "podman-local")"#,
        ),
        (ROOTLESS_NO_PRIV_EMPTYDIR, "baseline", "latest", r#""#),
        (
            ROOTLESS_PRIV,
            "baseline",
            "latest",
            r#"privileged (container "rootless" must not set securityContext.privileged=true)"#,
        ),
        (
            USERNS,
            "baseline",
            "latest",
            r#"non-default capabilities (container "userns" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#,
        ),
        (
            KITCHEN_SINK,
            "baseline",
            "v1.18",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPath volumes (volume "hp"), hostPort (container "init" uses hostPorts 10000, 9000), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: types "container_engine_t", "spc_t"; user may not be set; role may not be set), seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"), forbidden sysctls (kernel.msgmax, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (
            SELINUX_ENGINE,
            "baseline",
            "v1.30",
            r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#,
        ),
        (
            KITCHEN_SINK,
            "baseline",
            "v1.31",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPath volumes (volume "hp"), hostPort (container "init" uses hostPorts 10000, 9000), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set), seccompProfile (pod and container "e" must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (SELINUX_ENGINE, "baseline", "v1.31", r#""#),
        (
            PROCMOUNT_HOST,
            "baseline",
            "v1.34",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (
            PROCMOUNT_USERNS,
            "baseline",
            "v1.34",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (
            PROCMOUNT_HOST,
            "baseline",
            "v1.35",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (PROCMOUNT_USERNS, "baseline", "v1.35", r#""#),
        (
            KITCHEN_SINK,
            "baseline",
            "v1.36",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPath volumes (volume "hp"), hostPort (container "init" uses hostPorts 10000, 9000), probe or lifecycle host (containers "b", "z" use probe or lifecycle hosts "10.0.0.1", "127.0.0.1", "example.com"), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set), seccompProfile (pod and container "e" must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax, net.ipv4.tcp_notsent_lowat), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (
            IMPLICIT,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            KITCHEN_SINK,
            "restricted",
            "latest",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPort (container "init" uses hostPorts 10000, 9000), probe or lifecycle host (containers "b", "z" use probe or lifecycle hosts "10.0.0.1", "127.0.0.1", "example.com"), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set), forbidden sysctls (kernel.msgmax), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true), allowPrivilegeEscalation != false (containers "init", "z", "b", "e" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers "z", "b", "e" must set securityContext.capabilities.drop=["ALL"]; containers "init", "e" must not include "BPF", "CHOWN", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), procMount (container "z" must not set securityContext.procMount to "Unmasked"), restricted volume types (volumes "hp", "nfs", "git" use restricted volume types "gitRepo", "hostPath", "nfs"), runAsNonRoot != true (pod and container "z" must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod and container "b" must not set runAsUser=0), seccompProfile (pod and container "e" must not set securityContext.seccompProfile.type to "Unconfined")"#,
        ),
        (
            PROCMOUNT_USERNS,
            "restricted",
            "latest",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (
            REMOTE,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "remote" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "remote" must set securityContext.capabilities.drop=["ALL"]), restricted volume types (volume "podman-sock" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or container "remote" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "remote" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            ROOTFUL_NO_PRIV,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "no-priv-rootful" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "no-priv-rootful" must set securityContext.capabilities.drop=["ALL"]; container "no-priv-rootful" must not include "MKNOD", "SETFCAP", "SYS_ADMIN", "SYS_CHROOT" in securityContext.capabilities.add), runAsNonRoot != true (pod or container "no-priv-rootful" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "no-priv-rootful" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            ROOTFUL_PRIV,
            "restricted",
            "latest",
            r#"privileged (container "priv" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "priv" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "priv" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "priv" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            ROOTLESS_NO_PRIV,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "no-priv" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "no-priv" must set securityContext.capabilities.drop=["ALL"]), restricted volume types (volume "podman-local" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or container "no-priv" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "no-priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            ROOTLESS_NO_PRIV_EMPTYDIR,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "no-priv" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "no-priv" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "no-priv" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "no-priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            ROOTLESS_PRIV,
            "restricted",
            "latest",
            r#"privileged (container "rootless" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "rootless" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "rootless" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "rootless" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "rootless" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            USERNS,
            "restricted",
            "latest",
            r#"allowPrivilegeEscalation != false (container "userns" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "userns" must set securityContext.capabilities.drop=["ALL"]; container "userns" must not include "MKNOD", "SETFCAP", "SYS_ADMIN", "SYS_CHROOT" in securityContext.capabilities.add), runAsNonRoot != true (pod or container "userns" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "userns" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            KITCHEN_SINK,
            "restricted",
            "v1.0",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPort (container "init" uses hostPorts 10000, 9000), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: types "container_engine_t", "spc_t"; user may not be set; role may not be set), seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"), forbidden sysctls (kernel.msgmax, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true), restricted volume types (volumes "hp", "nfs", "git" use restricted volume types "gitRepo", "hostPath", "nfs"), runAsNonRoot != true (pod and container "z" must not set securityContext.runAsNonRoot=false)"#,
        ),
        (
            IMPLICIT,
            "restricted",
            "v1.18",
            r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)"#,
        ),
        (
            KITCHEN_SINK,
            "restricted",
            "v1.18",
            r#"forbidden AppArmor profiles (pod and container "b" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="bad\tvalue"", "container.apparmor.security.beta.kubernetes.io/b="unconfined""), non-default capabilities (containers "init", "e" must not include "BPF", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPort (container "init" uses hostPorts 10000, 9000), privileged (containers "init", "b", "e" must not set securityContext.privileged=true), procMount (container "z" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (pod and container "init" set forbidden securityContext.seLinuxOptions: types "container_engine_t", "spc_t"; user may not be set; role may not be set), seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"), forbidden sysctls (kernel.msgmax, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat), hostProcess (pod and container "b" must not set securityContext.windowsOptions.hostProcess=true), allowPrivilegeEscalation != false (containers "init", "z", "b", "e" must set securityContext.allowPrivilegeEscalation=false), restricted volume types (volumes "hp", "nfs", "git" use restricted volume types "gitRepo", "hostPath", "nfs"), runAsNonRoot != true (pod and container "z" must not set securityContext.runAsNonRoot=false)"#,
        ),
        (
            ROOTFUL_NO_PRIV,
            "restricted",
            "v1.21",
            r#"non-default capabilities (container "no-priv-rootful" must not include "SYS_ADMIN" in securityContext.capabilities.add), allowPrivilegeEscalation != false (container "no-priv-rootful" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "no-priv-rootful" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "no-priv-rootful" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (
            WINDOWS,
            "restricted",
            "v1.24",
            r#"allowPrivilegeEscalation != false (container "w" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "w" must set securityContext.capabilities.drop=["ALL"]), seccompProfile (pod or container "w" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
        (WINDOWS, "restricted", "v1.25", r#""#),
        (
            PROCMOUNT_USERNS,
            "restricted",
            "v1.34",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked"), runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod and container "podman" must not set runAsUser=0)"#,
        ),
        (
            PROCMOUNT_USERNS,
            "restricted",
            "v1.35",
            r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#,
        ),
    ];

    #[test]
    fn messages_match_the_go_evaluator() {
        for (yaml, level, version, expected) in GO_EXPECTED {
            let level: Level = level.parse().expect("level");
            let got = detail(yaml, level, version);
            let name = pod(yaml).metadata.name.unwrap_or_default();
            assert_eq!(&got, expected, "{name} at {level}:{version}");
        }
    }

    fn one(yaml: &str, level: Level, version: &str) -> Vec<String> {
        let p = pod(yaml);
        check_level(
            &p.metadata,
            p.spec.as_ref().expect("spec"),
            level,
            ver(version),
        )
    }

    #[test]
    fn exact_strings_for_common_violations() {
        // Formats read from policy/check_*.go (fmt.Sprintf + pluralize + joinQuote).
        assert_eq!(
            one(ROOTFUL_PRIV, Level::Baseline, "latest"),
            [r#"privileged (container "priv" must not set securityContext.privileged=true)"#]
        );
        assert_eq!(
            one(ROOTFUL_NO_PRIV, Level::Baseline, "latest"),
            [
                r#"non-default capabilities (container "no-priv-rootful" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#
            ]
        );
        assert_eq!(
            one(ROOTLESS_NO_PRIV, Level::Baseline, "latest"),
            [r#"hostPath volumes (volume "podman-local")"#]
        );
        let restricted = one(ROOTLESS_NO_PRIV_EMPTYDIR, Level::Restricted, "latest");
        assert_eq!(
            restricted,
            [
                r#"allowPrivilegeEscalation != false (container "no-priv" must set securityContext.allowPrivilegeEscalation=false)"#,
                r#"unrestricted capabilities (container "no-priv" must set securityContext.capabilities.drop=["ALL"])"#,
                r#"runAsNonRoot != true (pod or container "no-priv" must set securityContext.runAsNonRoot=true)"#,
                r#"seccompProfile (pod or container "no-priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
            ]
        );
    }

    #[test]
    fn proc_mount_unmasked_and_host_users() {
        let unmasked = r#"procMount (container "podman" must not set securityContext.procMount to "Unmasked")"#;
        // Not in a user namespace: forbidden at baseline in every version.
        assert_eq!(one(PROCMOUNT_HOST, Level::Baseline, "v1.34"), [unmasked]);
        assert_eq!(one(PROCMOUNT_HOST, Level::Baseline, "v1.35"), [unmasked]);
        // hostUsers: false relaxes baseline procMount from v1.35 only.
        assert_eq!(one(PROCMOUNT_USERNS, Level::Baseline, "v1.34"), [unmasked]);
        assert!(one(PROCMOUNT_USERNS, Level::Baseline, "v1.35").is_empty());
        // ... but restricted keeps forbidding it (procMount_restricted overrides procMount),
        // while runAsNonRoot / runAsUser are relaxed from v1.35.
        assert_eq!(
            one(PROCMOUNT_USERNS, Level::Restricted, "v1.34"),
            [
                unmasked,
                r#"runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"#,
                r#"runAsUser=0 (pod and container "podman" must not set runAsUser=0)"#,
            ]
        );
        assert_eq!(
            one(PROCMOUNT_USERNS, Level::Restricted, "v1.35"),
            [unmasked]
        );
        let p = pod(PROCMOUNT_USERNS);
        assert_eq!(evaluate_pod(&p, ver("v1.34")).level, Level::Privileged);
        assert_eq!(evaluate_pod(&p, ver("v1.35")).level, Level::Baseline);
    }

    #[test]
    fn selinux_container_engine_t_from_v1_31() {
        assert_eq!(
            one(SELINUX_ENGINE, Level::Baseline, "v1.30"),
            [
                r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
            ]
        );
        assert!(one(SELINUX_ENGINE, Level::Baseline, "v1.31").is_empty());
        assert!(one(SELINUX_ENGINE, Level::Baseline, "latest").is_empty());
    }

    #[test]
    fn article_pods_are_privileged() {
        for yaml in [
            ROOTFUL_PRIV,
            ROOTLESS_PRIV,
            ROOTLESS_NO_PRIV,
            ROOTFUL_NO_PRIV,
            REMOTE,
            USERNS,
        ] {
            let p = pod(yaml);
            let r = evaluate_pod(&p, PolicyVersion::Latest);
            assert_eq!(r.level, Level::Privileged, "{:?}", p.metadata.name);
            assert!(!r.violations.baseline.is_empty());
            assert!(!r.violations.restricted.is_empty());
        }
        let r = evaluate_pod(&pod(ROOTLESS_NO_PRIV_EMPTYDIR), PolicyVersion::Latest);
        assert_eq!(r.level, Level::Baseline);
        assert!(r.violations.baseline.is_empty());
        assert_eq!(r.violations.restricted.len(), 4);
    }

    #[test]
    fn forbidden_and_warning_messages() {
        let p = pod(ROOTFUL_PRIV);
        let v = evaluate_pod(&p, PolicyVersion::Latest).violations.baseline;
        assert_eq!(
            forbidden_message(Level::Baseline, PolicyVersion::Latest, &v),
            r#"violates PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)"#
        );
        let two = vec!["a (x)".to_string(), "b (y)".to_string()];
        assert_eq!(
            forbidden_message(Level::Restricted, PolicyVersion::V(31), &two),
            r#"violates PodSecurity "restricted:v1.31": a (x), b (y)"#
        );
        assert_eq!(
            warning_message(Level::Restricted, PolicyVersion::V(31), &two),
            r#"would violate PodSecurity "restricted:v1.31": a (x), b (y)"#
        );
    }

    #[test]
    fn evaluate_pod_applies_host_network_port_defaulting() {
        // The API server sets hostPort = containerPort on hostNetwork pods before admission.
        let p = pod(KITCHEN_SINK);
        let v = evaluate_pod(&p, PolicyVersion::Latest).violations.baseline;
        assert!(
            v.contains(
                &r#"hostPort (containers "init", "b" use hostPorts 10000, 8080, 9000)"#.to_string()
            ),
            "{v:?}"
        );
        // A volume without a source is defaulted to emptyDir: allowed at restricted.
        let p = pod(r#"apiVersion: v1
kind: Pod
metadata:
  name: v
spec:
  containers:
  - name: c
  volumes:
  - name: implicit
"#);
        let spec = p.spec.as_ref().expect("spec");
        let ids: Vec<&str> =
            check_level_detailed(&p.metadata, spec, Level::Restricted, PolicyVersion::Latest)
                .iter()
                .map(|v| v.check)
                .collect();
        assert!(!ids.contains(&"restrictedVolumes"), "{ids:?}");
    }

    #[test]
    fn check_order_and_overrides() {
        assert_eq!(
            check_ids(Level::Baseline, PolicyVersion::Latest),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
            ]
        );
        assert_eq!(
            check_ids(Level::Restricted, PolicyVersion::Latest),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
        let r0 = check_ids(Level::Restricted, PolicyVersion::V(0));
        assert!(r0.contains(&"capabilities_baseline") && r0.contains(&"seccompProfile_baseline"));
        assert!(!r0.contains(&"allowPrivilegeEscalation") && !r0.contains(&"runAsUser"));
        assert!(check_ids(Level::Privileged, PolicyVersion::Latest).is_empty());
        // Versions past the newest policy evaluate like it.
        assert_eq!(
            check_ids(Level::Restricted, PolicyVersion::V(99)),
            check_ids(Level::Restricted, PolicyVersion::Latest)
        );
    }

    #[test]
    fn sysctls_by_version() {
        assert_eq!(allowed_sysctls(PolicyVersion::V(26)).len(), 5);
        assert_eq!(allowed_sysctls(PolicyVersion::V(27)).len(), 6);
        assert_eq!(allowed_sysctls(PolicyVersion::V(29)).len(), 10);
        assert_eq!(allowed_sysctls(PolicyVersion::V(32)).len(), 12);
        assert_eq!(allowed_sysctls(PolicyVersion::Latest).len(), 14);
    }

    #[test]
    fn level_and_version_parse_and_display() {
        assert_eq!("baseline".parse::<Level>(), Ok(Level::Baseline));
        assert_eq!("Restricted".parse::<Level>(), Ok(Level::Restricted));
        assert!("root".parse::<Level>().is_err());
        assert_eq!(Level::Privileged.to_string(), "privileged");
        assert!(Level::Restricted < Level::Baseline && Level::Baseline < Level::Privileged);

        assert_eq!("latest".parse::<PolicyVersion>(), Ok(PolicyVersion::Latest));
        assert_eq!("v1.31".parse::<PolicyVersion>(), Ok(PolicyVersion::V(31)));
        assert_eq!("1.31".parse::<PolicyVersion>(), Ok(PolicyVersion::V(31)));
        assert_eq!("v1.0".parse::<PolicyVersion>(), Ok(PolicyVersion::V(0)));
        for bad in ["v2.1", "v1.", "v1.031", "1", "v1.x", "", "v1.-1"] {
            assert!(bad.parse::<PolicyVersion>().is_err(), "{bad}");
        }
        assert_eq!(PolicyVersion::V(31).to_string(), "v1.31");
        assert_eq!(PolicyVersion::Latest.to_string(), "latest");
        assert_eq!(PolicyVersion::Latest.minor(), 37);
        assert!(PolicyVersion::V(99) < PolicyVersion::Latest);
    }

    #[test]
    fn result_serializes_version_as_string() {
        let r = evaluate_pod(&pod(ROOTFUL_PRIV), PolicyVersion::V(35));
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["level"], "privileged");
        assert_eq!(json["version"], "v1.35");
        assert_eq!(
            json["violations"]["baseline"][0],
            r#"privileged (container "priv" must not set securityContext.privileged=true)"#
        );
        let back: PolicyVersion = serde_json::from_value(json["version"].clone()).expect("back");
        assert_eq!(back, PolicyVersion::V(35));
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote("a\"b\\c\td\u{1}"), r#""a\"b\\c\td\x01""#);
        assert_eq!(go_quote("é"), "\"é\"");
    }
}
