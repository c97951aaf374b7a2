//! `capabilities_baseline` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_capabilities_baseline.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

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

pub(super) fn capabilities_baseline_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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
