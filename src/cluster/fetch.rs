//! Live objects for `podwiz explain TYPE/NAME`: get one object with a pod template from the
//! current context, and the Pod Security policy version the server evaluates (its own minor).

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};

use super::client::Connection;
use super::error::ClusterError;
use crate::manifest::WorkloadKind;
use crate::security::pss::PolicyVersion;

/// The REST resource of a kind (`apps/v1`, `deployments`).
pub fn api_resource(kind: WorkloadKind) -> ApiResource {
    let (group, plural) = match kind {
        WorkloadKind::Pod => ("", "pods"),
        WorkloadKind::Deployment => ("apps", "deployments"),
        WorkloadKind::StatefulSet => ("apps", "statefulsets"),
        WorkloadKind::DaemonSet => ("apps", "daemonsets"),
        WorkloadKind::ReplicaSet => ("apps", "replicasets"),
        WorkloadKind::ReplicationController => ("", "replicationcontrollers"),
        WorkloadKind::Job => ("batch", "jobs"),
        WorkloadKind::CronJob => ("batch", "cronjobs"),
        WorkloadKind::PodTemplate => ("", "podtemplates"),
    };
    let gvk = GroupVersionKind::gvk(group, "v1", kind.as_str());
    ApiResource::from_gvk_with_plural(&gvk, plural)
}

/// `GET` one object in `namespace`, as JSON (with `apiVersion` and `kind`).
///
/// Errors: [`ClusterError`] with the verb and resource (`get deployments/x in namespace ns: ...
/// (404 NotFound)`, forbidden, unreachable).
pub async fn get_object(
    conn: &Connection,
    kind: WorkloadKind,
    name: &str,
    namespace: &str,
) -> Result<serde_json::Value, ClusterError> {
    let resource = api_resource(kind);
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), namespace, &resource);
    let object = api.get(name).await.map_err(|e| {
        conn.error(
            e,
            "get",
            &format!("{}/{name}", resource.plural),
            Some(namespace),
        )
    })?;
    let mut value = serde_json::to_value(&object).map_err(|e| ClusterError::Request {
        verb: "get".into(),
        resource: format!("{}/{name}", resource.plural),
        namespace: Some(namespace.to_string()),
        reason: e.to_string(),
    })?;
    // A GET answers without the type; the reader dispatches on it.
    if let Some(map) = value.as_object_mut() {
        map.insert("apiVersion".into(), resource.api_version.clone().into());
        map.insert("kind".into(), kind.as_str().into());
    }
    Ok(value)
}

/// The policy version the server's Pod Security admission evaluates `latest` as: its own
/// `v1.<minor>` (`/version`; a `+` suffix as on managed clusters, `28+`, is ignored).
pub async fn server_policy_version(conn: &Connection) -> Result<PolicyVersion, ClusterError> {
    let info = conn
        .client
        .apiserver_version()
        .await
        .map_err(|e| conn.error(e, "get", "version", None))?;
    Ok(policy_version_of(&info.major, &info.minor))
}

/// `("1", "35+")` → `v1.35`; anything unexpected → `latest`.
pub fn policy_version_of(major: &str, minor: &str) -> PolicyVersion {
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    match (major, digits.parse::<u32>()) {
        ("1", Ok(minor)) => PolicyVersion::V(minor),
        _ => PolicyVersion::Latest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_minor_to_policy_version() {
        assert_eq!(policy_version_of("1", "35"), PolicyVersion::V(35));
        assert_eq!(policy_version_of("1", "28+"), PolicyVersion::V(28));
        assert_eq!(policy_version_of("2", "0"), PolicyVersion::Latest);
        assert_eq!(policy_version_of("1", ""), PolicyVersion::Latest);
    }

    #[test]
    fn resources_are_the_api_paths() {
        let r = api_resource(WorkloadKind::CronJob);
        assert_eq!(
            (r.api_version.as_str(), r.plural.as_str()),
            ("batch/v1", "cronjobs")
        );
        let r = api_resource(WorkloadKind::Pod);
        assert_eq!((r.api_version.as_str(), r.plural.as_str()), ("v1", "pods"));
    }
}
