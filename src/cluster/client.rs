//! A kube client for the selected context, with `Warning` headers collected, over podwiz's own
//! transport (one multiplexed HTTP/2 connection; see [`super::transport`]).

use std::time::Duration;

use kube::client::ConfigExt as _;
use tower::ServiceBuilder;

use super::context::{self, ContextInfo, READ_TIMEOUT};
use super::credentials::{self, Credentials};
use super::error::ClusterError;
use super::transport::{self, Names, RequestTrace, Transport, TransportOptions};
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
    /// A client for the requests `client` cannot make: an exec is a WebSocket, an HTTP/1.1
    /// upgrade, and the API server answers "Upgrade request required" over HTTP/2. The same
    /// TLS set-up and credentials over HTTP/1.1 connections of its own (with the same read
    /// timeout).
    pub upgrade_client: kube::Client,
    /// The credentials podwiz fetches itself (exec plugin, token file), shared by both
    /// clients; None when the kubeconfig's are sent as they are.
    pub credentials: Option<Credentials>,
}

/// How [`build_with`] builds a connection.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// See [`TransportOptions::read_timeout`]; default [`READ_TIMEOUT`].
    pub read_timeout: Duration,
    /// How long a `tokenFile`'s token is used before the file is read again; default
    /// [`credentials::TOKEN_FILE_PERIOD`] (a minute, as client-go).
    pub token_file_period: Duration,
    /// Longest run of a non-interactive exec plugin; default [`credentials::EXEC_TIMEOUT`].
    pub exec_timeout: Duration,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            read_timeout: READ_TIMEOUT,
            token_file_period: credentials::TOKEN_FILE_PERIOD,
            exec_timeout: credentials::EXEC_TIMEOUT,
        }
    }
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
    // An exec plugin runs before the probe's clock starts: it has a timeout of its own, and
    // may be waiting for a person to log in.
    if let Some(credentials) = &conn.credentials {
        credentials
            .current()
            .await
            .map_err(|e| ClusterError::Credentials {
                reason: e.to_string(),
            })?;
    }
    match tokio::time::timeout(PROBE_TIMEOUT, conn.client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(conn),
        Ok(Err(err)) => Err(conn.error(err, "get", "version", None)),
        Err(_) => Err(ClusterError::Unreachable {
            server: Some(conn.info.server.clone()),
            reason: format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
        }),
    }
}

/// Builds the client without any request (no network; an exec credential plugin runs with the
/// first request, a token file is read then).
///
/// The stack is kube's own (base URI, credentials, impersonation headers) over a
/// [`Transport`] instead of kube's HTTP/1.1 connector.
pub fn build(info: ContextInfo, config: kube::Config) -> Result<Connection, ClusterError> {
    build_with(info, config, &BuildOptions::default())
}

/// [`build`] with [`BuildOptions`].
pub fn build_with(
    info: ContextInfo,
    config: kube::Config,
    options: &BuildOptions,
) -> Result<Connection, ClusterError> {
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
    let credentials = credentials::source_of(
        &config.auth_info,
        options.token_file_period,
        options.exec_timeout,
    )
    .map_err(|(field, why)| client_error(format!("user \"{}\": {field}: {why}", info.user)))?
    .map(|source| Credentials::new(&info.user, source));
    let trace = RequestTrace::default();
    let transport_with = |trace: RequestTrace, http1_only: bool| {
        Transport::new(
            &config.cluster_url,
            config.tls_server_name.as_deref(),
            tls.clone(),
            names.clone(),
            trace,
            TransportOptions {
                credentials: credentials.clone(),
                read_timeout: options.read_timeout,
                http1_only,
            },
        )
        .map_err(|why| client_error(format!("cluster \"{}\": {why}", info.cluster)))
    };
    let transport = transport_with(trace.clone(), false)?;
    let upgrade_transport = transport_with(RequestTrace::default(), true)?;
    // tokenFile and exec are podwiz's (credentials above): kube would read the file untrimmed
    // and run the plugin itself, keeping a certificate it prints to its own connector.
    let mut kube_auth = config.clone();
    kube_auth.auth_info.token_file = None;
    kube_auth.auth_info.exec = None;
    let auth = kube_auth.auth_layer().map_err(|e| {
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
        .layer(headers.clone())
        .service(transport);
    let client = kube::client::ClientBuilder::new(service, config.default_namespace.clone())
        .with_layer(&warnings.layer())
        .build();
    // kube's AuthLayer is not Clone: a second one (no plugin runs for it, see above).
    let upgrade_auth = kube_auth
        .auth_layer()
        .map_err(|e| client_error(format!("credentials of user \"{}\": {e}", info.user)))?;
    let upgrade_service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(upgrade_auth)
        .layer(headers)
        .service(upgrade_transport);
    let upgrade_client =
        kube::client::ClientBuilder::new(upgrade_service, config.default_namespace.clone()).build();
    Ok(Connection {
        info,
        client,
        warnings,
        trace,
        upgrade_client,
        credentials,
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
