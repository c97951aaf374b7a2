//! `runAsUser` (restricted, 1.23+; relaxed for hostUsers:false 1.35+): a port of k8s.io/pod-security-admission `policy/check_runAsUser.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn run_as_user_1_23(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn run_as_user_1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    run_as_user_1_23(meta, spec)
}
