//! `seccompProfile_restricted` (restricted, 1.19+; windows exempt 1.25+): a port of k8s.io/pod-security-admission `policy/check_seccompProfile_restricted.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn seccomp_profile_restricted_1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn seccomp_profile_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if is_windows_pod(spec) {
        return None;
    }
    seccomp_profile_restricted_1_19(meta, spec)
}
