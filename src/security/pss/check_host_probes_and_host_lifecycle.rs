//! `hostProbesAndHostLifecycle` (baseline, 1.34+): a port of k8s.io/pod-security-admission `policy/check_hostProbesAndHostLifecycle.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn probe_hosts(p: Option<&Probe>) -> Vec<&str> {
    let Some(p) = p else { return Vec::new() };
    let http = p.http_get.as_ref().map(|h| str_or_empty(&h.host));
    let tcp = p.tcp_socket.as_ref().map(|t| str_or_empty(&t.host));
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

pub(super) fn handler_hosts(h: Option<&LifecycleHandler>) -> Vec<&str> {
    let Some(h) = h else { return Vec::new() };
    let http = h.http_get.as_ref().map(|x| str_or_empty(&x.host));
    let tcp = h.tcp_socket.as_ref().map(|x| str_or_empty(&x.host));
    [http, tcp]
        .into_iter()
        .flatten()
        .filter(|h| !h.is_empty())
        .collect()
}

pub(super) fn host_probes_and_host_lifecycle_1_34(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    // Both are sets in Go (sets.List sorts): container names come out sorted here.
    let mut bad_containers: BTreeSet<&str> = BTreeSet::new();
    let mut forbidden: BTreeSet<&str> = BTreeSet::new();
    for c in containers(spec) {
        let mut hosts = Vec::new();
        hosts.extend(probe_hosts(c.liveness));
        hosts.extend(probe_hosts(c.readiness));
        hosts.extend(probe_hosts(c.startup));
        if let Some(lc) = c.lifecycle {
            hosts.extend(handler_hosts(lc.post_start.as_ref()));
            hosts.extend(handler_hosts(lc.pre_stop.as_ref()));
        }
        if !hosts.is_empty() {
            bad_containers.insert(c.name);
            forbidden.extend(hosts);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad_containers.into_iter().collect();
    let hosts: Vec<&str> = forbidden.into_iter().collect();
    Fail::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    )
}
