//! `appArmorProfile` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_appArmorProfile.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) const APPARMOR_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

pub(super) fn app_armor_profile_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut bad_setters: Vec<String> = Vec::new();
    let mut bad_values: BTreeSet<String> = BTreeSet::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref())
        && !allowed_type(&p.type_)
    {
        bad_setters.push("pod".to_string());
        bad_values.insert(p.type_.clone());
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c.sc.and_then(|sc| sc.app_armor_profile.as_ref())
            && !allowed_type(&p.type_)
        {
            bad_containers.push(c.name);
            bad_values.insert(p.type_.clone());
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.push(containers_phrase(&bad_containers));
    }
    let mut forbidden_annotations: Vec<String> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| {
            k.starts_with(APPARMOR_ANNOTATION_PREFIX)
                && !(v.is_empty() || v.as_str() == "runtime/default" || v.starts_with("localhost/"))
        })
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    let mut bad_value_list: Vec<String> = bad_values.into_iter().collect();
    if !forbidden_annotations.is_empty() {
        forbidden_annotations.sort();
        bad_setters
            .push(pluralize("annotation", "annotations", forbidden_annotations.len()).to_string());
        bad_value_list.extend(forbidden_annotations);
    }
    if bad_setters.is_empty() {
        return None;
    }
    Fail::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_value_list.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            bad_setters.join(" and "),
            join_quote(&bad_value_list)
        ),
    )
}
