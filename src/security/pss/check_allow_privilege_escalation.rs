//! `allowPrivilegeEscalation` (restricted, 1.8+; windows exempt 1.25+): a port of k8s.io/pod-security-admission `policy/check_allowPrivilegeEscalation.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn allow_privilege_escalation_1_8(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn allow_privilege_escalation_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    allow_privilege_escalation_1_8(meta, spec)
}
