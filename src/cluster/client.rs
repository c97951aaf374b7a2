//! A kube client for the selected context, with `Warning` headers collected.

use std::time::Duration;

use super::context::{self, ContextInfo};
use super::error::ClusterError;
use super::warnings::WarningLog;
use crate::cli::ClusterArgs;

/// Upper bound for the first request of [`connect`]: an unreachable server fails within it.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one context, plus what the user should see about it.
#[derive(Clone)]
pub struct Connection {
    pub info: ContextInfo,
    pub client: kube::Client,
    /// `Warning` headers of every response of `client` (take them after each request).
    pub warnings: WarningLog,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Maps a kube error of a request made through this connection, filling in server and user.
    pub fn error(
        &self,
        err: kube::Error,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> ClusterError {
        ClusterError::from_kube(err, verb, resource, namespace)
            .with_endpoint(&self.info.server, &self.info.user)
    }
}

/// Loads the context ([`context::load`]), builds the client with the warning layer, and checks
/// that the API server answers (`GET /version`, at most [`PROBE_TIMEOUT`]): unreachable
/// servers, TLS failures and rejected credentials (401) are reported here.
pub async fn connect(
    args: &ClusterArgs,
    namespace: Option<&str>,
) -> Result<Connection, ClusterError> {
    let (info, config) = context::load(args, namespace)?;
    connect_with(info, config).await
}

/// [`connect`] for an already loaded context.
pub async fn connect_with(
    info: ContextInfo,
    config: kube::Config,
) -> Result<Connection, ClusterError> {
    let conn = build(info, config)?;
    match tokio::time::timeout(PROBE_TIMEOUT, conn.client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(conn),
        Ok(Err(err)) => Err(conn.error(err, "get", "version", None)),
        Err(_) => Err(ClusterError::Unreachable {
            server: Some(conn.info.server.clone()),
            reason: format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
        }),
    }
}

/// Builds the client without any request (no network).
pub fn build(info: ContextInfo, config: kube::Config) -> Result<Connection, ClusterError> {
    let warnings = WarningLog::new();
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(
            |e| match ClusterError::from_kube(e, "build", "client", None) {
                ClusterError::Tls { reason, .. } => ClusterError::Tls {
                    server: Some(info.server.clone()),
                    reason,
                },
                other => ClusterError::Client {
                    server: info.server.clone(),
                    reason: other.to_string(),
                },
            },
        )?
        .with_layer(&warnings.layer())
        .build();
    Ok(Connection {
        info,
        client,
        warnings,
    })
}
