//! `hostPathVolumes` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_hostPathVolumes.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn host_path_volumes_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let vols: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name.as_str())
        .collect();
    if vols.is_empty() {
        return None;
    }
    Fail::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", vols.len()),
            join_quote(&vols)
        ),
    )
}
