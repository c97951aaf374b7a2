//! `hostNamespaces` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_hostNamespaces.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn host_namespaces_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut ns: Vec<&str> = Vec::new();
    if spec.host_network == Some(true) {
        ns.push("hostNetwork=true");
    }
    if spec.host_pid == Some(true) {
        ns.push("hostPID=true");
    }
    if spec.host_ipc == Some(true) {
        ns.push("hostIPC=true");
    }
    if ns.is_empty() {
        return None;
    }
    Fail::new("host namespaces", ns.join(", "))
}
