//! `seLinuxOptions` (baseline, 1.0+; container_engine_t allowed 1.31+): a port of k8s.io/pod-security-admission `policy/check_seLinuxOptions.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) const SELINUX_TYPES_1_0: &[&str] =
    &["", "container_t", "container_init_t", "container_kvm_t"];
pub(super) const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

pub(super) fn se_linux_options_1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    se_linux_options(meta, spec, SELINUX_TYPES_1_0)
}

pub(super) fn se_linux_options_1_31(meta: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    se_linux_options(meta, spec, SELINUX_TYPES_1_31)
}

pub(super) fn se_linux_options<'a>(
    _: &ObjectMeta,
    spec: &'a PodSpec,
    allowed: &[&str],
) -> Option<Fail> {
    let mut bad_types: BTreeSet<&str> = BTreeSet::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut valid = |opts: &'a SELinuxOptions| -> bool {
        let mut ok = true;
        let t = str_or_empty(&opts.type_);
        if !allowed.contains(&t) {
            ok = false;
            bad_types.insert(t);
        }
        if !str_or_empty(&opts.user).is_empty() {
            ok = false;
            set_user = true;
        }
        if !str_or_empty(&opts.role).is_empty() {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut bad_setters: Vec<String> = Vec::new();
    if let Some(opts) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref())
        && !valid(opts)
    {
        bad_setters.push("pod".to_string());
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in containers(spec) {
        if let Some(opts) = c.sc.and_then(|sc| sc.se_linux_options.as_ref())
            && !valid(opts)
        {
            bad_containers.push(c.name);
        }
    }
    if !bad_containers.is_empty() {
        bad_setters.push(containers_phrase(&bad_containers));
    }
    if bad_setters.is_empty() {
        return None;
    }
    let mut bad_data: Vec<String> = Vec::new();
    if !bad_types.is_empty() {
        let types: Vec<&str> = bad_types.into_iter().collect();
        bad_data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if set_user {
        bad_data.push("user may not be set".to_string());
    }
    if set_role {
        bad_data.push("role may not be set".to_string());
    }
    Fail::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            bad_setters.join(" and "),
            bad_data.join("; ")
        ),
    )
}
