//! `sysctls` (baseline, allowed list grows with the version): a port of k8s.io/pod-security-admission `policy/check_sysctls.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) const SYSCTLS_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
pub(super) const SYSCTLS_ADDED_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
pub(super) const SYSCTLS_ADDED_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
pub(super) const SYSCTLS_ADDED_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
pub(super) const SYSCTLS_ADDED_1_37: &[&str] = &[
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

pub(super) fn sysctls_1_0(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(0))
}
pub(super) fn sysctls_1_27(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(27))
}
pub(super) fn sysctls_1_29(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(29))
}
pub(super) fn sysctls_1_32(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(32))
}
pub(super) fn sysctls_1_37(m: &ObjectMeta, s: &PodSpec) -> Option<Fail> {
    sysctls(m, s, PolicyVersion::V(37))
}

pub(super) fn sysctls(_: &ObjectMeta, spec: &PodSpec, version: PolicyVersion) -> Option<Fail> {
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
