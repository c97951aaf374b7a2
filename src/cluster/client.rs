//! A kube client for the selected context, with `Warning` headers collected, over podwiz's own
//! transport (one multiplexed HTTP/2 connection; see [`super::transport`]).

use std::time::Duration;

use kube::client::ConfigExt as _;
use tower::ServiceBuilder;

use super::context::{self, ContextInfo};
use super::error::ClusterError;
use super::transport::{self, Names, RequestTrace, Transport};
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
    /// Every connection and request of `client`, for counting round trips.
    pub trace: RequestTrace,
    /// The context's own config, for the requests `client` cannot make: an exec is a WebSocket,
    /// an HTTP/1.1 upgrade, and the API server answers "Upgrade request required" over HTTP/2.
    pub upgrade_config: kube::Config,
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

/// Builds the client without any request (no network; an exec credential plugin runs here).
///
/// The stack is kube's own (base URI, credentials, impersonation headers) over a
/// [`Transport`] instead of kube's HTTP/1.1 connector.
pub fn build(info: ContextInfo, config: kube::Config) -> Result<Connection, ClusterError> {
    let client_error = |reason: String| ClusterError::Client {
        server: info.server.clone(),
        reason,
    };
    if let Some(proxy) = &config.proxy_url {
        return Err(client_error(format!(
            "proxy-url {proxy} of cluster \"{}\" is not supported; connect directly or through `kubectl proxy`",
            info.cluster
        )));
    }
    let names = Names {
        cluster: info.cluster.clone(),
        user: info.user.clone(),
    };
    let tls = if config.cluster_url.scheme_str() == Some("https") {
        // context::load checked these with the file names; a failure now means the files
        // changed in between.
        let identity = context::user_identity(&config.auth_info).map_err(|(field, why)| {
            client_error(format!("user \"{}\": {field}: {why}", info.user))
        })?;
        Some(
            transport::tls_config(
                config.root_cert.as_deref(),
                identity,
                config.accept_invalid_certs,
            )
            .map_err(|why| client_error(format!("cluster \"{}\": {why}", info.cluster)))?,
        )
    } else {
        None
    };
    let trace = RequestTrace::default();
    let transport = Transport::new(
        &config.cluster_url,
        config.tls_server_name.as_deref(),
        tls,
        names,
        trace.clone(),
    )
    .map_err(|why| client_error(format!("cluster \"{}\": {why}", info.cluster)))?;
    let auth = config.auth_layer().map_err(|e| {
        client_error(format!(
            "credentials of user \"{}\": {}",
            info.user,
            super::error::one_line(&error_chain(&e))
        ))
    })?;
    let headers = config
        .extra_headers_layer()
        .map_err(|e| client_error(format!("user \"{}\": {e}", info.user)))?;
    let warnings = WarningLog::new();
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(auth)
        .layer(headers)
        .service(transport);
    let client = kube::client::ClientBuilder::new(service, config.default_namespace.clone())
        .with_layer(&warnings.layer())
        .build();
    Ok(Connection {
        info,
        client,
        warnings,
        trace,
        upgrade_config: config,
    })
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    parts.join(": ")
}
