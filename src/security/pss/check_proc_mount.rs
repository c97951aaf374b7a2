//! `procMount` (baseline 1.0+, relaxed for hostUsers:false 1.35+; restricted 1.35+): a port of k8s.io/pod-security-admission `policy/check_procMount.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn proc_mount_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
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

pub(super) fn proc_mount_1_35_baseline(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    if user_namespace_pod(spec) {
        return None;
    }
    proc_mount_1_0(meta, spec)
}
