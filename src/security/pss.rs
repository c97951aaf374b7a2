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
// Checks (check_*.go)
// ---------------------------------------------------------------------------------------------

// --- allowPrivilegeEscalation (restricted, 1.8+; windows exempt 1.25+) ---

fn allow_privilege_escalation_1_8(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let bad: Vec<&str> = containers(spec)
        .iter()
        .filter(|c| c.sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Fail::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
    )
}

fn allow_privilege_escalation_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    allow_privilege_escalation_1_8(meta, spec)
}

// --- appArmorProfile (baseline, 1.0+) ---

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn app_armor_profile_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut bad_setters: Vec<String> = Vec::new();
    let mut bad_values: BTreeSet<String> = BTreeSet::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref())
        && !allowed_type(&p.type_)
    {
        bad_setters.push("pod".to_string());
        bad_values.insert(p.type_.clone());
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c.sc.and_then(|sc| sc.app_armor_profile.as_ref())
            && !allowed_type(&p.type_)
        {
            bad_containers.push(c.name);
            bad_values.insert(p.type_.clone());
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.push(containers_phrase(&bad_containers));
    }
    let mut forbidden_annotations: Vec<String> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| {
            k.starts_with(APPARMOR_ANNOTATION_PREFIX)
                && !(v.is_empty() || v.as_str() == "runtime/default" || v.starts_with("localhost/"))
        })
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    let mut bad_value_list: Vec<String> = bad_values.into_iter().collect();
    if !forbidden_annotations.is_empty() {
        forbidden_annotations.sort();
        bad_setters
            .push(pluralize("annotation", "annotations", forbidden_annotations.len()).to_string());
        bad_value_list.extend(forbidden_annotations);
    }
    if bad_setters.is_empty() {
        return None;
    }
    Fail::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_value_list.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            bad_setters.join(" and "),
            join_quote(&bad_value_list)
        ),
    )
}

// --- capabilities_baseline (baseline, 1.0+) ---

/// The capabilities baseline allows in `capabilities.add`, compared as literal strings.
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut non_default: BTreeSet<&str> = BTreeSet::new();
    for c in containers(spec) {
        let Some(caps) = c.sc.and_then(|sc| sc.capabilities.as_ref()) else {
            continue;
        };
        let mut valid = true;
        for cap in caps.add.iter().flatten() {
            if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                valid = false;
                non_default.insert(cap);
            }
        }
        if !valid {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let caps: Vec<&str> = non_default.into_iter().collect();
    Fail::new(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_containers),
            join_quote(&caps)
        ),
    )
}

// --- capabilities_restricted (restricted, 1.22+; windows exempt 1.25+) ---

fn capabilities_restricted_1_22(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut missing_drop_all: Vec<&str> = Vec::new();
    let mut adding_forbidden: Vec<&str> = Vec::new();
    let mut forbidden_caps: BTreeSet<&str> = BTreeSet::new();
    for c in containers(spec) {
        let Some(caps) = c.sc.and_then(|sc| sc.capabilities.as_ref()) else {
            missing_drop_all.push(c.name);
            continue;
        };
        if !caps.drop.iter().flatten().any(|d| d == "ALL") {
            missing_drop_all.push(c.name);
        }
        let mut added_forbidden = false;
        for cap in caps.add.iter().flatten() {
            if cap != "NET_BIND_SERVICE" {
                added_forbidden = true;
                forbidden_caps.insert(cap);
            }
        }
        if added_forbidden {
            adding_forbidden.push(c.name);
        }
    }
    let mut details: Vec<String> = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        let caps: Vec<&str> = forbidden_caps.into_iter().collect();
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(&caps)
        ));
    }
    if details.is_empty() {
        return None;
    }
    Fail::new("unrestricted capabilities", details.join("; "))
}

fn capabilities_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    capabilities_restricted_1_22(meta, spec)
}

// --- hostNamespaces (baseline, 1.0+) ---

fn host_namespaces_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut ns: Vec<&str> = Vec::new();
    if spec.host_network == Some(true) {
        ns.push("hostNetwork=true");
    }
    if spec.host_pid == Some(true) {
        ns.push("hostPID=true");
    }
    if spec.host_ipc == Some(true) {
        ns.push("hostIPC=true");
    }
    if ns.is_empty() {
        return None;
    }
    Fail::new("host namespaces", ns.join(", "))
}

// --- hostPathVolumes (baseline, 1.0+) ---

fn host_path_volumes_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let vols: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name.as_str())
        .collect();
    if vols.is_empty() {
        return None;
    }
    Fail::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", vols.len()),
            join_quote(&vols)
        ),
    )
}

// --- hostPorts (baseline, 1.0+) ---

fn host_ports_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_containers: Vec<&str> = Vec::new();
    // A set of decimal strings: Go sorts them as strings ("10" < "9").
    let mut ports: BTreeSet<String> = BTreeSet::new();
    for c in containers(spec) {
        let mut valid = true;
        for p in c.ports {
            let hp = p.host_port.unwrap_or(0);
            if hp != 0 {
                valid = false;
                ports.insert(hp.to_string());
            }
        }
        if !valid {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let ports: Vec<String> = ports.into_iter().collect();
    Fail::new(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}

// --- hostProbesAndHostLifecycle (baseline, 1.34+) ---

fn probe_hosts(p: Option<&Probe>) -> Vec<&str> {
    let Some(p) = p else { return Vec::new() };
    let http = p.http_get.as_ref().map(|h| str_or_empty(&h.host));
    let tcp = p.tcp_socket.as_ref().map(|t| str_or_empty(&t.host));
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

fn handler_hosts(h: Option<&LifecycleHandler>) -> Vec<&str> {
    let Some(h) = h else { return Vec::new() };
    let http = h.http_get.as_ref().map(|x| str_or_empty(&x.host));
    let tcp = h.tcp_socket.as_ref().map(|x| str_or_empty(&x.host));
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

fn host_probes_and_host_lifecycle_1_34(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    // Both are sets in Go (sets.List sorts): container names come out sorted here.
    let mut bad_containers: BTreeSet<&str> = BTreeSet::new();
    let mut forbidden: BTreeSet<&str> = BTreeSet::new();
    for c in containers(spec) {
        let mut hosts = Vec::new();
        hosts.extend(probe_hosts(c.liveness));
        hosts.extend(probe_hosts(c.readiness));
        hosts.extend(probe_hosts(c.startup));
        if let Some(lc) = c.lifecycle {
            hosts.extend(handler_hosts(lc.post_start.as_ref()));
            hosts.extend(handler_hosts(lc.pre_stop.as_ref()));
        }
        if !hosts.is_empty() {
            bad_containers.insert(c.name);
            forbidden.extend(hosts);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad_containers.into_iter().collect();
    let hosts: Vec<&str> = forbidden.into_iter().collect();
    Fail::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    )
}

// --- privileged (baseline, 1.0+) ---

fn privileged_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let bad: Vec<&str> = containers(spec)
        .iter()
        .filter(|c| c.sc.and_then(|sc| sc.privileged) == Some(true))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Fail::new(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
    )
}

// --- procMount (baseline 1.0+, relaxed for hostUsers:false 1.35+; restricted 1.35+) ---

fn proc_mount_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: BTreeSet<&str> = BTreeSet::new();
    for c in containers(spec) {
        if let Some(pm) = c.sc.and_then(|sc| sc.proc_mount.as_deref())
            && pm != "Default"
        {
            bad.push(c.name);
            types.insert(pm);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<&str> = types.into_iter().collect();
    Fail::new(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&types)
        ),
    )
}

fn proc_mount_1_35_baseline(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    proc_mount_1_0(meta, spec)
}

// --- restrictedVolumes (restricted, 1.0+; overrides hostPathVolumes) ---

fn restricted_volumes_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: BTreeSet<&str> = BTreeSet::new();
    for vol in spec.volumes.iter().flatten() {
        let allowed = vol.config_map.is_some()
            || vol.csi.is_some()
            || vol.downward_api.is_some()
            || vol.empty_dir.is_some()
            || vol.ephemeral.is_some()
            || vol.image.is_some()
            || vol.persistent_volume_claim.is_some()
            || vol.projected.is_some()
            || vol.secret.is_some();
        if allowed || volume_source_unset(vol) {
            // A volume without a source is defaulted to emptyDir by the API server
            // (SetDefaults_Volume) before admission runs.
            continue;
        }
        bad.push(&vol.name);
        let kind = [
            (vol.host_path.is_some(), "hostPath"),
            (vol.gce_persistent_disk.is_some(), "gcePersistentDisk"),
            (
                vol.aws_elastic_block_store.is_some(),
                "awsElasticBlockStore",
            ),
            (vol.git_repo.is_some(), "gitRepo"),
            (vol.nfs.is_some(), "nfs"),
            (vol.iscsi.is_some(), "iscsi"),
            (vol.glusterfs.is_some(), "glusterfs"),
            (vol.rbd.is_some(), "rbd"),
            (vol.flex_volume.is_some(), "flexVolume"),
            (vol.cinder.is_some(), "cinder"),
            (vol.cephfs.is_some(), "cephfs"),
            (vol.flocker.is_some(), "flocker"),
            (vol.fc.is_some(), "fc"),
            (vol.azure_file.is_some(), "azureFile"),
            (vol.vsphere_volume.is_some(), "vsphereVolume"),
            (vol.quobyte.is_some(), "quobyte"),
            (vol.azure_disk.is_some(), "azureDisk"),
            (vol.photon_persistent_disk.is_some(), "photonPersistentDisk"),
            (vol.portworx_volume.is_some(), "portworxVolume"),
            (vol.scale_io.is_some(), "scaleIO"),
            (vol.storageos.is_some(), "storageos"),
        ]
        .into_iter()
        .find(|(set, _)| *set)
        .map_or("unknown", |(_, name)| name);
        types.insert(kind);
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<&str> = types.into_iter().collect();
    Fail::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

/// True when no volume source is set (`ptr.AllPtrFieldsNil(&volume.VolumeSource)`).
fn volume_source_unset(vol: &Volume) -> bool {
    // Destructured without `..`: a source added to Volume must be listed here to compile.
    let Volume {
        name: _,
        aws_elastic_block_store,
        azure_disk,
        azure_file,
        cephfs,
        cinder,
        config_map,
        csi,
        downward_api,
        empty_dir,
        ephemeral,
        fc,
        flex_volume,
        flocker,
        gce_persistent_disk,
        git_repo,
        glusterfs,
        host_path,
        image,
        iscsi,
        nfs,
        persistent_volume_claim,
        photon_persistent_disk,
        portworx_volume,
        projected,
        quobyte,
        rbd,
        scale_io,
        secret,
        storageos,
        vsphere_volume,
    } = vol;
    aws_elastic_block_store.is_none()
        && azure_disk.is_none()
        && azure_file.is_none()
        && cephfs.is_none()
        && cinder.is_none()
        && config_map.is_none()
        && csi.is_none()
        && downward_api.is_none()
        && empty_dir.is_none()
        && ephemeral.is_none()
        && fc.is_none()
        && flex_volume.is_none()
        && flocker.is_none()
        && gce_persistent_disk.is_none()
        && git_repo.is_none()
        && glusterfs.is_none()
        && host_path.is_none()
        && image.is_none()
        && iscsi.is_none()
        && nfs.is_none()
        && persistent_volume_claim.is_none()
        && photon_persistent_disk.is_none()
        && portworx_volume.is_none()
        && projected.is_none()
        && quobyte.is_none()
        && rbd.is_none()
        && scale_io.is_none()
        && secret.is_none()
        && storageos.is_none()
        && vsphere_volume.is_none()
}

// --- runAsNonRoot (restricted, 1.0+; relaxed for hostUsers:false 1.35+) ---

fn run_as_non_root_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_setters: Vec<String> = Vec::new();
    let mut pod_run_as_non_root = false;
    match spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root)
    {
        Some(false) => bad_setters.push("pod".to_string()),
        Some(true) => pod_run_as_non_root = true,
        None => {}
    }
    let mut explicitly_bad: Vec<&str> = Vec::new();
    let mut implicitly_bad: Vec<&str> = Vec::new();
    for c in containers(spec) {
        match c.sc.and_then(|sc| sc.run_as_non_root) {
            Some(false) => explicitly_bad.push(c.name),
            Some(true) => {}
            None => {
                if !pod_run_as_non_root {
                    implicitly_bad.push(c.name);
                }
            }
        }
    }
    if !explicitly_bad.is_empty() {
        bad_setters.push(containers_phrase(&explicitly_bad));
    }
    if !bad_setters.is_empty() {
        return Fail::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                bad_setters.join(" and ")
            ),
        );
    }
    if !implicitly_bad.is_empty() {
        return Fail::new(
            "runAsNonRoot != true",
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicitly_bad)
            ),
        );
    }
    None
}

fn run_as_non_root_1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    run_as_non_root_1_0(meta, spec)
}

// --- runAsUser (restricted, 1.23+; relaxed for hostUsers:false 1.35+) ---

fn run_as_user_1_23(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_setters: Vec<String> = Vec::new();
    if spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0) {
        bad_setters.push("pod".to_string());
    }
    let bad: Vec<&str> = containers(spec)
        .iter()
        .filter(|c| c.sc.and_then(|sc| sc.run_as_user) == Some(0))
        .map(|c| c.name)
        .collect();
    if !bad.is_empty() {
        bad_setters.push(containers_phrase(&bad));
    }
    if bad_setters.is_empty() {
        return None;
    }
    Fail::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", bad_setters.join(" and ")),
    )
}

fn run_as_user_1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    run_as_user_1_23(meta, spec)
}

// --- seLinuxOptions (baseline, 1.0+; container_engine_t allowed 1.31+) ---

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn se_linux_options_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    se_linux_options(meta, spec, SELINUX_TYPES_1_0)
}

fn se_linux_options_1_31(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    se_linux_options(meta, spec, SELINUX_TYPES_1_31)
}

fn se_linux_options<'a>(_: &ObjectMeta, spec: &'a PodSpec, allowed: &[&str]) -> Option<Fail> {
    let mut bad_types: BTreeSet<&str> = BTreeSet::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut valid = |opts: &'a SELinuxOptions| -> bool {
        let mut ok = true;
        let t = str_or_empty(&opts.type_);
        if !allowed.contains(&t) {
            ok = false;
            bad_types.insert(t);
        }
        if !str_or_empty(&opts.user).is_empty() {
            ok = false;
            set_user = true;
        }
        if !str_or_empty(&opts.role).is_empty() {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut bad_setters: Vec<String> = Vec::new();
    if let Some(opts) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref())
        && !valid(opts)
    {
        bad_setters.push("pod".to_string());
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(opts) = c.sc.and_then(|sc| sc.se_linux_options.as_ref())
            && !valid(opts)
        {
            bad_containers.push(c.name);
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.push(containers_phrase(&bad_containers));
    }
    if bad_setters.is_empty() {
        return None;
    }
    let mut bad_data: Vec<String> = Vec::new();
    if !bad_types.is_empty() {
        let types: Vec<&str> = bad_types.into_iter().collect();
        bad_data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if set_user {
        bad_data.push("user may not be set".to_string());
    }
    if set_role {
        bad_data.push("role may not be set".to_string());
    }
    Fail::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            bad_setters.join(" and "),
            bad_data.join("; ")
        ),
    )
}

// --- seccompProfile_baseline (baseline; annotations 1.0-1.18, fields 1.19+) ---

const SECCOMP_ANNOTATION_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_ANNOTATION_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn valid_seccomp_type(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

fn valid_seccomp_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

fn seccomp_profile_baseline_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let annotations = meta.annotations.as_ref();
    let get = |k: &str| annotations.and_then(|a| a.get(k));
    let mut forbidden: BTreeSet<String> = BTreeSet::new();
    if let Some(val) = get(SECCOMP_ANNOTATION_POD)
        && !valid_seccomp_annotation(val)
    {
        forbidden.insert(format!("{SECCOMP_ANNOTATION_POD}={}", go_quote(val)));
    }
    for c in containers(spec) {
        let key = format!("{SECCOMP_ANNOTATION_CONTAINER_PREFIX}{}", c.name);
        if let Some(val) = get(&key)
            && !valid_seccomp_annotation(val)
        {
            forbidden.insert(format!("{key}={}", go_quote(val)));
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let list: Vec<String> = forbidden.into_iter().collect();
    Fail::new(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", list.len()),
            list.join(", ")
        ),
    )
}

fn seccomp_profile_baseline_1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_setters: Vec<String> = Vec::new();
    let mut bad_values: BTreeSet<&str> = BTreeSet::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        && !valid_seccomp_type(&p.type_)
    {
        bad_setters.push("pod".to_string());
        bad_values.insert(&p.type_);
    }
    let mut bad: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c.sc.and_then(|sc| sc.seccomp_profile.as_ref())
            && !valid_seccomp_type(&p.type_)
        {
            bad.push(c.name);
            bad_values.insert(&p.type_);
        }
    }
    if !bad.is_empty() {
        bad_setters.push(containers_phrase(&bad));
    }
    if bad_setters.is_empty() {
        return None;
    }
    let values: Vec<&str> = bad_values.into_iter().collect();
    Fail::new(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            bad_setters.join(" and "),
            join_quote(&values)
        ),
    )
}

// --- seccompProfile_restricted (restricted, 1.19+; windows exempt 1.25+) ---

fn seccomp_profile_restricted_1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_setters: Vec<String> = Vec::new();
    let mut bad_values: BTreeSet<&str> = BTreeSet::new();
    let mut pod_seccomp_set = false;
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
    {
        if valid_seccomp_type(&p.type_) {
            pod_seccomp_set = true;
        } else {
            bad_setters.push("pod".to_string());
            bad_values.insert(&p.type_);
        }
    }
    let mut explicitly_bad: Vec<&str> = Vec::new();
    let mut implicitly_bad: Vec<&str> = Vec::new();
    for c in containers(spec) {
        match c.sc.and_then(|sc| sc.seccomp_profile.as_ref()) {
            Some(p) => {
                if !valid_seccomp_type(&p.type_) {
                    explicitly_bad.push(c.name);
                    bad_values.insert(&p.type_);
                }
            }
            None => {
                if !pod_seccomp_set {
                    implicitly_bad.push(c.name);
                }
            }
        }
    }
    if !explicitly_bad.is_empty() {
        bad_setters.push(containers_phrase(&explicitly_bad));
    }
    if !bad_setters.is_empty() {
        let values: Vec<&str> = bad_values.into_iter().collect();
        return Fail::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                bad_setters.join(" and "),
                join_quote(&values)
            ),
        );
    }
    if !implicitly_bad.is_empty() {
        return Fail::new(
            "seccompProfile",
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicitly_bad)
            ),
        );
    }
    None
}

fn seccomp_profile_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    seccomp_profile_restricted_1_19(meta, spec)
}

// --- sysctls (baseline, allowed list grows with the version) ---

const SYSCTLS_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_ADDED_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_ADDED_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_ADDED_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_ADDED_1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// The safe sysctls allowed by the baseline policy at `version`.
pub fn allowed_sysctls(version: PolicyVersion) -> Vec<&'static str> {
    let minor = version.effective_minor();
    let mut out: Vec<&'static str> = SYSCTLS_1_0.to_vec();
    for (min, added) in [
        (27, SYSCTLS_ADDED_1_27),
        (29, SYSCTLS_ADDED_1_29),
        (32, SYSCTLS_ADDED_1_32),
        (37, SYSCTLS_ADDED_1_37),
    ] {
        if minor >= min {
            out.extend_from_slice(added);
        }
    }
    out
}

fn sysctls_1_0(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(0))
}
fn sysctls_1_27(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(27))
}
fn sysctls_1_29(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(29))
}
fn sysctls_1_32(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(32))
}
fn sysctls_1_37(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(37))
}

fn sysctls(_: &ObjectMeta, spec: &PodSpec, version: PolicyVersion) -> Option<Fail> {
    let allowed = allowed_sysctls(version);
    let forbidden: Vec<&str> = spec
        .security_context
        .iter()
        .flat_map(|sc| sc.sysctls.iter().flatten())
        .map(|s| s.name.as_str())
        .filter(|name| !allowed.contains(name))
        .collect();
    if forbidden.is_empty() {
        return None;
    }
    Fail::new("forbidden sysctls", forbidden.join(", "))
}

// --- windowsHostProcess (baseline, 1.0+) ---

fn windows_host_process_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let bad: Vec<&str> = containers(spec)
        .iter()
        .filter(|c| {
            c.sc.and_then(|sc| sc.windows_options.as_ref())
                .and_then(|w| w.host_process)
                == Some(true)
        })
        .map(|c| c.name)
        .collect();
    let mut setters: Vec<String> = Vec::new();
    if spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true)
    {
        setters.push("pod".to_string());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Fail::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}

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
    const ROOTFUL_PRIV: &str = include_str!("../../tests/fixtures/article/rootful-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTLESS_PRIV: &str = include_str!("../../tests/fixtures/article/rootless-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const ROOTLESS_NO_PRIV: &str =
        include_str!("../../tests/fixtures/article/rootless-no-priv.yaml");
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
    const ROOTFUL_NO_PRIV: &str = include_str!("../../tests/fixtures/article/rootful-no-priv.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const REMOTE: &str = include_str!("../../tests/fixtures/article/remote.yaml");
    /// The article's manifest (tests/fixtures/article), the same file the faithfulness tests use.
    const USERNS: &str = include_str!("../../tests/fixtures/article/userns.yaml");
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
