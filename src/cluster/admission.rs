//! What Pod Security admission will say about the pod of an apply, predicted at the policy
//! version the API server uses for the target namespace: the namespace's
//! `pod-security.kubernetes.io/enforce-version` label, where `latest` (or no label) is the
//! server's own minor version, and a label newer than the server counts as the server's version
//! (pod-security-admission evaluates a version it does not know yet with its newest checks).
//! Upstream: <https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces>.
//!
//! The facts come from the first wave of the apply (`GET /version`, and the namespace's
//! metadata, or the plan's own Namespace with what exists already): no request of its own on
//! the critical path.

use std::collections::BTreeMap;

use serde::Serialize;

use super::doctor::{NamespaceFacts, ServerVersion};
use crate::security::pss::{self, Level, PolicyVersion};

/// The prediction for one pod.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PodSecurityCheck {
    /// `kind/name` of the Pod, or of the workload whose pods are judged.
    pub object: String,
    pub namespace: String,
    /// `gitVersion` of the API server (None: `/version` could not be read).
    pub server_version: Option<String>,
    /// The namespace's `enforce-version` label as written (None: no label, or the namespace
    /// could not be read).
    pub enforce_version_label: Option<String>,
    /// The version the pod is judged at (see the module docs).
    pub version: PolicyVersion,
    /// The pod's level at `version`.
    pub level: Level,
    /// The namespace's enforced level after the apply (no label: privileged); None when the
    /// namespace's labels are unknown.
    pub enforce: Option<Level>,
    /// Whether admission lets the pod in (None: unknown, see `enforce`).
    pub admitted: Option<bool>,
}

impl PodSecurityCheck {
    /// Judges `pod` (the Pod, or the pod a workload creates) for namespace `namespace` with the
    /// labels it will have (`labels`; None: unknown) on a server of `server`.
    pub fn judge(
        object: String,
        pod: &k8s_openapi::api::core::v1::Pod,
        namespace: &str,
        labels: Option<BTreeMap<String, String>>,
        server: Option<&ServerVersion>,
    ) -> PodSecurityCheck {
        let facts = NamespaceFacts {
            name: namespace.to_string(),
            labels,
            error: None,
        };
        let version = super::advice::policy_version_of(&facts, server);
        let level = pss::evaluate_pod(pod, version).level;
        let enforce = facts.enforce().map(|(level, _)| level);
        PodSecurityCheck {
            object,
            namespace: namespace.to_string(),
            server_version: server.map(|s| s.git_version.clone()),
            enforce_version_label: facts
                .labels
                .as_ref()
                .and_then(|l| l.get(&format!("{}enforce-version", super::doctor::PSA_PREFIX)))
                .cloned(),
            version,
            level,
            enforce,
            // Levels are ordered most secure first: admitted when at least as secure.
            admitted: enforce.map(|enforced| level <= enforced),
        }
    }

    /// One line: `Pod Security: pod/x is baseline at policy v1.30 (...): admitted`.
    pub fn describe(&self) -> String {
        let why = match (&self.enforce_version_label, &self.server_version) {
            (Some(label), Some(server)) if label != "latest" => format!(
                "enforce-version {label} of namespace \"{}\"; server {server}",
                self.namespace
            ),
            (Some(label), None) if label != "latest" => format!(
                "enforce-version {label} of namespace \"{}\"; server version unknown",
                self.namespace
            ),
            (_, Some(server)) => format!(
                "namespace \"{}\" enforces the latest version: the server's, {server}",
                self.namespace
            ),
            (_, None) => "the server's version could not be read: the newest podwiz knows".into(),
        };
        let verdict = match (self.enforce, self.admitted) {
            (Some(enforced), Some(true)) => {
                format!(
                    "namespace \"{}\" enforces {enforced}: admitted",
                    self.namespace
                )
            }
            (Some(enforced), Some(false)) => format!(
                "namespace \"{}\" enforces {enforced}: rejected",
                self.namespace
            ),
            _ => format!(
                "the labels of namespace \"{}\" could not be read: admission not predicted",
                self.namespace
            ),
        };
        format!(
            "Pod Security: {} is {} at policy {} ({why}); {verdict}",
            self.object, self.level, self.version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), v.to_string()))
                .collect(),
        )
    }

    fn server(minor: u32) -> ServerVersion {
        ServerVersion {
            git_version: format!("v1.{minor}.0"),
            major: 1,
            minor,
        }
    }

    fn container_engine_t_pod() -> k8s_openapi::api::core::v1::Pod {
        let bundle = crate::scenario::build(
            crate::scenario::Mode::RootlessNoPriv,
            &crate::scenario::Options::default(),
        )
        .expect("bundle");
        bundle.pod
    }

    #[test]
    fn the_label_sets_the_version_and_latest_is_the_servers() {
        let pod = container_engine_t_pod();
        let at = |l: Option<BTreeMap<String, String>>, s: Option<&ServerVersion>| {
            PodSecurityCheck::judge("pod/p".into(), &pod, "ns", l, s)
        };
        let old = at(
            labels(&[("enforce", "baseline"), ("enforce-version", "v1.30")]),
            Some(&server(37)),
        );
        assert_eq!(old.version, PolicyVersion::V(30));
        assert_eq!(old.level, Level::Privileged);
        assert_eq!(old.admitted, Some(false));
        assert_eq!(
            old.describe(),
            "Pod Security: pod/p is privileged at policy v1.30 (enforce-version v1.30 of namespace \"ns\"; server v1.37.0); namespace \"ns\" enforces baseline: rejected"
        );
        let latest = at(
            labels(&[("enforce", "baseline"), ("enforce-version", "latest")]),
            Some(&server(30)),
        );
        assert_eq!(latest.version, PolicyVersion::V(30));
        assert_eq!(latest.admitted, Some(false));
        let new = at(labels(&[("enforce", "baseline")]), Some(&server(37)));
        assert_eq!(new.version, PolicyVersion::V(37));
        assert_eq!(new.admitted, Some(true));
        // A label newer than the server: the server's newest checks.
        let future = at(
            labels(&[("enforce", "baseline"), ("enforce-version", "v1.40")]),
            Some(&server(30)),
        );
        assert_eq!(future.version, PolicyVersion::V(30));
        // Unlabelled: privileged admits anything.
        assert_eq!(at(labels(&[]), Some(&server(30))).admitted, Some(true));
        // Unknown labels: no prediction.
        let unknown = at(None, Some(&server(37)));
        assert_eq!(unknown.admitted, None);
        assert!(unknown.describe().ends_with("admission not predicted"));
    }
}
