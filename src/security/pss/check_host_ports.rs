//! `hostPorts` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_hostPorts.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn host_ports_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad_containers: Vec<&str> = Vec::new();
    // A set of decimal strings: Go sorts them as strings ("10" < "9").
    let mut ports: BTreeSet<String> = BTreeSet::new();
    for c in containers(spec) {
        let mut valid = true;
        for p in c.ports {
            let hp = p.host_port.unwrap_or(0);
            if hp != 0 {
                valid = false;
                ports.insert(hp.to_string());
            }
        }
        if !valid {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let ports: Vec<String> = ports.into_iter().collect();
    Fail::new(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}
