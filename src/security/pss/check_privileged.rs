//! `privileged` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_privileged.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn privileged_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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
