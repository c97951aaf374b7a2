//! The test control plane itself (etcd + kube-apiserver built by scripts/build-control-plane.sh).

mod support;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, PostParams};
use support::control_plane::{self as cp, ControlPlane};

fn pod(name: &str, privileged: bool) -> Pod {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": name },
        "spec": {
            "containers": [{
                "name": "c",
                "image": "registry.invalid/podwiz/test:1",
                "securityContext": { "privileged": privileged },
            }],
        },
    }))
    .expect("pod manifest")
}

#[test]
fn starts_and_reports_version() {
    let cp = ControlPlane::shared();
    assert!(
        cp.server_url().starts_with("https://127.0.0.1:"),
        "{}",
        cp.server_url()
    );
    let out = cp
        .kubectl_admin()
        .args(["get", "--raw", "/version"])
        .output()
        .expect("run kubectl get --raw /version");
    assert!(
        out.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).expect("/version is JSON");
    let expected = cp::kubernetes_version();
    assert!(
        expected.starts_with("v1.37."),
        "cached control plane is {expected}, expected v1.37.x"
    );
    assert_eq!(
        version["gitVersion"],
        expected.as_str(),
        "/version: {version}"
    );
    assert_eq!(version["major"], "1", "/version: {version}");
    assert_eq!(version["minor"], "37", "/version: {version}");
}

#[tokio::test]
async fn admin_creates_namespace_and_pod_which_stays_pending() {
    let client = cp::admin_client().await;
    let ns = cp::fresh_namespace("cp-admin");
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let got = namespaces.get(&ns).await.expect("get the fresh namespace");
    assert_eq!(got.metadata.name.as_deref(), Some(ns.as_str()));

    let pods: Api<Pod> = Api::namespaced(client, &ns);
    pods.create(&PostParams::default(), &pod("sleeper", false))
        .await
        .expect("create pod as admin");
    let got = pods.get("sleeper").await.expect("get pod");
    let phase = got.status.and_then(|s| s.phase);
    assert_eq!(
        phase.as_deref(),
        Some("Pending"),
        "no scheduler/kubelet: the pod must stay Pending"
    );
}

#[tokio::test]
async fn unprivileged_user_is_forbidden() {
    let ns = cp::fresh_namespace("cp-alice");
    let pods: Api<Pod> = Api::namespaced(cp::user_client().await, &ns);
    match pods.list(&ListParams::default()).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403, "{status:?}");
            assert!(
                status
                    .message
                    .contains("User \"alice\" cannot list resource \"pods\""),
                "{}",
                status.message
            );
        }
        other => panic!("alice listing pods: expected 403, got {other:?}"),
    }
}

#[tokio::test]
async fn pod_security_baseline_rejects_privileged_pod() {
    let ns = cp::fresh_namespace_with_labels(
        "cp-psa",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
    match pods
        .create(&PostParams::default(), &pod("privileged", true))
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403, "{status:?}");
            assert!(
                status
                    .message
                    .contains("violates PodSecurity \"baseline:latest\": privileged"),
                "unexpected message: {}",
                status.message
            );
        }
        other => panic!("privileged pod in a baseline namespace: expected 403, got {other:?}"),
    }
    // The same pod without privileged passes.
    pods.create(&PostParams::default(), &pod("plain", false))
        .await
        .expect("non-privileged pod is admitted");
}
