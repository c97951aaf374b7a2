//! `runAsNonRoot` (restricted, 1.0+; relaxed for hostUsers:false 1.35+): a port of k8s.io/pod-security-admission `policy/check_runAsNonRoot.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn run_as_non_root_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn run_as_non_root_1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    run_as_non_root_1_0(meta, spec)
}
