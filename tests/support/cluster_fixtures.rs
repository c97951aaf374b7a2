//! Kubeconfig variants and small cluster helpers for the cluster-layer tests
//! (tests/cluster_context.rs, tests/doctor.rs), built on the shared control plane.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use kube::config::{AuthInfo, Kubeconfig, NamedAuthInfo};
use podwiz::cli::ClusterArgs;
use podwiz::cluster::Connection;

use super::control_plane as cp;

/// The admin kubeconfig of the shared control plane, parsed.
pub fn admin_kubeconfig() -> Kubeconfig {
    Kubeconfig::read_from(cp::admin_kubeconfig_path()).expect("parse admin kubeconfig")
}

/// Writes `kc` (as JSON, which is YAML) to `dir/name` and returns the path.
pub fn write_kubeconfig(dir: &Path, name: &str, kc: &Kubeconfig) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(kc).expect("serialize kubeconfig"),
    )
    .expect("write kubeconfig");
    path
}

/// `ClusterArgs` for a kubeconfig file and optional context.
pub fn args(kubeconfig: &Path, context: Option<&str>) -> ClusterArgs {
    ClusterArgs {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        context: context.map(str::to_string),
    }
}

/// The admin kubeconfig with every cluster's server replaced.
pub fn with_server(mut kc: Kubeconfig, server: &str) -> Kubeconfig {
    for c in &mut kc.clusters {
        if let Some(cluster) = c.cluster.as_mut() {
            cluster.server = Some(server.to_string());
        }
    }
    kc
}

/// The admin kubeconfig whose user authenticates with a bearer `token` instead of a cert.
pub fn with_token(mut kc: Kubeconfig, token: &str) -> Kubeconfig {
    let name = kc
        .auth_infos
        .first()
        .map(|a| a.name.clone())
        .unwrap_or_else(|| "admin".into());
    let auth: AuthInfo =
        serde_json::from_value(serde_json::json!({ "token": token })).expect("token auth info");
    let named: NamedAuthInfo =
        serde_json::from_value(serde_json::json!({ "name": name, "user": auth }))
            .expect("named auth info");
    kc.auth_infos = vec![named];
    kc
}

/// The admin kubeconfig trusting a fresh, unrelated CA instead of the server's.
pub fn with_wrong_ca(mut kc: Kubeconfig) -> Kubeconfig {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "some-other-ca");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let pem = params.self_signed(&key).expect("self-signed CA").pem();
    for c in &mut kc.clusters {
        if let Some(cluster) = c.cluster.as_mut() {
            cluster.certificate_authority_data = Some(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                pem.as_bytes(),
            ));
        }
    }
    kc
}

/// `https://127.0.0.1:<port>` where nothing listens.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("https://127.0.0.1:{port}")
}

/// Connects as admin (namespace `ns`).
pub async fn admin_connection(ns: Option<&str>) -> Connection {
    podwiz::cluster::connect(&args(cp::admin_kubeconfig_path(), None), ns)
        .await
        .expect("connect as admin")
}

/// Connects as the unprivileged `alice` (namespace `ns`).
pub async fn user_connection(ns: Option<&str>) -> Connection {
    podwiz::cluster::connect(&args(cp::user_kubeconfig_path(), None), ns)
        .await
        .expect("connect as alice")
}
