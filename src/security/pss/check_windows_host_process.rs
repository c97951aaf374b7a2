//! `windowsHostProcess` (baseline, 1.0+): a port of k8s.io/pod-security-admission `policy/check_windowsHostProcess.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn windows_host_process_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let bad: Vec<&str> = containers(spec)
        .iter()
        .filter(|c| {
            c.sc.and_then(|sc| sc.windows_options.as_ref())
                .and_then(|w| w.host_process)
                == Some(true)
        })
        .map(|c| c.name)
        .collect();
    let mut setters: Vec<String> = Vec::new();
    if spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true)
    {
        setters.push("pod".to_string());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Fail::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}
