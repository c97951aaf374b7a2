//! `capabilities_restricted` (restricted, 1.22+; windows exempt 1.25+): a port of k8s.io/pod-security-admission `policy/check_capabilities_restricted.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn capabilities_restricted_1_22(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn capabilities_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    capabilities_restricted_1_22(meta, spec)
}
