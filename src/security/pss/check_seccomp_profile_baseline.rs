//! `seccompProfile_baseline` (baseline; annotations 1.0-1.18, fields 1.19+): a port of k8s.io/pod-security-admission `policy/check_seccompProfile_baseline.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) const SECCOMP_ANNOTATION_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
pub(super) const SECCOMP_ANNOTATION_CONTAINER_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";

pub(super) fn valid_seccomp_type(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

pub(super) fn valid_seccomp_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

pub(super) fn seccomp_profile_baseline_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn seccomp_profile_baseline_1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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
