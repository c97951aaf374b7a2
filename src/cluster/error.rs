//! Errors of the cluster layer: each one is a single line a user can act on, and none carries
//! secrets (tokens, keys, certificate data are never formatted).

use std::error::Error as _;

/// Everything that can go wrong between reading a kubeconfig and an answer from the API server.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No kubeconfig file exists at any of the places looked at.
    #[error("no kubeconfig found: tried {tried}")]
    NoKubeconfig { tried: String },
    /// `--kubeconfig FILE` names a file that does not exist.
    #[error("kubeconfig {path} (from --kubeconfig) does not exist")]
    KubeconfigNotFound { path: String },
    /// A kubeconfig exists but cannot be read (permissions, a directory, ...).
    #[error("cannot read kubeconfig {path}: {reason}")]
    ReadKubeconfig { path: String, reason: String },
    /// A kubeconfig is not valid YAML or not a kubeconfig.
    #[error("malformed kubeconfig {path}{}: {reason}", position(*.line, *.column))]
    MalformedKubeconfig {
        path: String,
        line: Option<u64>,
        column: Option<u64>,
        reason: String,
    },
    /// Neither `--context` nor `current-context`.
    #[error("no current context in {sources}: pass --context NAME{}", known_hint(.known))]
    NoCurrentContext { sources: String, known: Vec<String> },
    /// `--context NAME` (or `current-context`) names no context of the kubeconfig.
    #[error("{} \"{name}\" not found in {sources}{}", if *.from_flag { "context" } else { "current-context" }, known_hint(.known))]
    UnknownContext {
        name: String,
        from_flag: bool,
        sources: String,
        known: Vec<String>,
    },
    /// The selected context is incomplete or inconsistent (missing cluster, server, bad CA...).
    #[error("invalid kubeconfig ({sources}): {reason}")]
    InvalidKubeconfig { sources: String, reason: String },
    /// The client could not be built from the configuration.
    #[error("cannot build a client for {server}: {reason}")]
    Client { server: String, reason: String },
    /// No connection to the API server (refused, timeout, DNS).
    #[error("cannot reach the API server{}: {reason}", at(.server))]
    Unreachable {
        server: Option<String>,
        reason: String,
    },
    /// The TLS handshake failed (unknown CA, wrong host name, expired certificate...).
    #[error("TLS handshake with the API server{} failed: {reason}", at(.server))]
    Tls {
        server: Option<String>,
        reason: String,
    },
    /// The exec credential plugin or the token file of the user gave no credential; `reason`
    /// names the user (and the plugin's command).
    #[error("{reason}")]
    Credentials { reason: String },
    /// 401: the credentials were not accepted.
    #[error(
        "unauthorized: the API server{} rejected the credentials{} (401); log in again or check the kubeconfig user",
        at(.server),
        user_hint(.user)
    )]
    Unauthorized {
        server: Option<String>,
        user: Option<String>,
    },
    /// 403 from RBAC or admission: the API server's own message (it names user, verb, resource).
    #[error("forbidden: {message}")]
    Forbidden {
        verb: String,
        resource: String,
        namespace: Option<String>,
        message: String,
    },
    /// 404 for the namespace of a request.
    #[error("namespace \"{namespace}\" not found")]
    NamespaceNotFound { namespace: String },
    /// Any other answer of the API server.
    #[error("{verb} {resource}{}: {message} ({code} {reason})", in_ns(.namespace))]
    Api {
        verb: String,
        resource: String,
        namespace: Option<String>,
        code: u16,
        reason: String,
        message: String,
    },
    /// A request that failed without an API answer and is neither a connection nor a TLS problem.
    #[error("{verb} {resource}{}: {reason}", in_ns(.namespace))]
    Request {
        verb: String,
        resource: String,
        namespace: Option<String>,
        reason: String,
    },
}

fn position(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l} column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn known_hint(known: &[String]) -> String {
    if known.is_empty() {
        "; the kubeconfig defines no contexts".to_string()
    } else {
        format!("; known contexts: {}", known.join(", "))
    }
}

fn at(server: &Option<String>) -> String {
    server.as_ref().map(|s| format!(" {s}")).unwrap_or_default()
}

fn user_hint(user: &Option<String>) -> String {
    match user.as_deref() {
        Some(u) if !u.is_empty() => format!(" of kubeconfig user \"{u}\""),
        _ => String::new(),
    }
}

fn in_ns(namespace: &Option<String>) -> String {
    namespace
        .as_ref()
        .map(|n| format!(" in namespace \"{n}\""))
        .unwrap_or_default()
}

impl ClusterError {
    /// Classifies a kube error from a request `verb resource` (in `namespace`).
    ///
    /// 401 → [`ClusterError::Unauthorized`], 403 → [`ClusterError::Forbidden`] with the API
    /// status message (`pods is forbidden: User "alice" cannot list resource "pods" ...`),
    /// 404 whose details name a namespace → [`ClusterError::NamespaceNotFound`], connection
    /// failures → [`ClusterError::Unreachable`] / [`ClusterError::Tls`].
    pub fn from_kube(
        err: kube::Error,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> ClusterError {
        let ns = namespace.map(str::to_string);
        match err {
            kube::Error::Api(status) => {
                let code = status.code;
                let message = one_line(&status.message);
                let reason = status.reason.clone();
                let details_kind = status.details.as_ref().map(|d| d.kind.as_str());
                let details_name = status.details.as_ref().map(|d| d.name.clone());
                match code {
                    401 => ClusterError::Unauthorized {
                        server: None,
                        user: None,
                    },
                    403 => ClusterError::Forbidden {
                        verb: verb.to_string(),
                        resource: resource.to_string(),
                        namespace: ns,
                        message: if message.is_empty() {
                            format!(
                                "cannot {verb} {resource}{}",
                                in_ns(&namespace.map(str::to_string))
                            )
                        } else {
                            message
                        },
                    },
                    404 if details_kind == Some("namespaces") => ClusterError::NamespaceNotFound {
                        namespace: details_name
                            .filter(|n| !n.is_empty())
                            .or(ns)
                            .unwrap_or_default(),
                    },
                    _ => ClusterError::Api {
                        verb: verb.to_string(),
                        resource: resource.to_string(),
                        namespace: ns,
                        code,
                        reason,
                        message,
                    },
                }
            }
            other => classify_transport(&other, verb, resource, ns),
        }
    }

    /// [`ClusterError::from_kube`] for a transport error (not an API answer) kept by reference.
    pub fn from_kube_ref(err: &kube::Error) -> ClusterError {
        classify_transport(err, "", "", None)
    }

    /// Fills in the server URL (and user) of connection-level errors that lack them.
    pub fn with_endpoint(mut self, server_url: &str, user_name: &str) -> ClusterError {
        match &mut self {
            ClusterError::Unreachable { server, .. } | ClusterError::Tls { server, .. } => {
                server.get_or_insert_with(|| server_url.to_string());
            }
            ClusterError::Unauthorized { server, user } => {
                server.get_or_insert_with(|| server_url.to_string());
                if !user_name.is_empty() {
                    user.get_or_insert_with(|| user_name.to_string());
                }
            }
            _ => {}
        }
        self
    }

    /// Whether this is a 403.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ClusterError::Forbidden { .. })
    }
}

/// Joins the error and its sources into one line.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        out.push(e.to_string());
        cur = e.source();
    }
    out
}

fn classify_transport(
    err: &kube::Error,
    verb: &str,
    resource: &str,
    namespace: Option<String>,
) -> ClusterError {
    // podwiz's transport already said which side failed, in the kubeconfig's names.
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<super::transport::TransportError>() {
            return match t {
                super::transport::TransportError::Connect(reason) => ClusterError::Unreachable {
                    server: None,
                    reason: one_line(reason),
                },
                super::transport::TransportError::Tls { message, .. } => ClusterError::Tls {
                    server: None,
                    reason: one_line(message),
                },
                super::transport::TransportError::Credentials(reason) => {
                    ClusterError::Credentials {
                        reason: one_line(reason),
                    }
                }
                super::transport::TransportError::Silent(reason) => ClusterError::Unreachable {
                    server: None,
                    reason: one_line(reason),
                },
            };
        }
        cur = e.source();
    }
    let texts = chain_text(err);
    // The innermost message is the most specific one ("Connection refused (os error 111)").
    let innermost = texts.last().cloned().unwrap_or_default();
    let all = texts.join(": ").to_ascii_lowercase();
    let mut io_kind = None;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = err.source();
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        cur = e.source();
    }
    let is_tls = all.contains("certificate")
        || all.contains("tls")
        || all.contains("handshake")
        || all.contains("unknownissuer")
        || all.contains("notvalidforname");
    if matches!(err, kube::Error::RustlsTls(_)) {
        return ClusterError::Tls {
            server: None,
            reason: one_line(&innermost),
        };
    }
    if is_tls && io_kind != Some(std::io::ErrorKind::ConnectionRefused) {
        return ClusterError::Tls {
            server: None,
            reason: one_line(&innermost),
        };
    }
    let connectish = matches!(
        io_kind,
        Some(
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::TimedOut
                | std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::NotConnected
                | std::io::ErrorKind::AddrNotAvailable
        )
    ) || all.contains("dns error")
        || all.contains("connect")
        || all.contains("timed out")
        || all.contains("deadline");
    if connectish {
        let reason = match io_kind {
            Some(std::io::ErrorKind::TimedOut) => "timed out".to_string(),
            _ => one_line(&innermost),
        };
        return ClusterError::Unreachable {
            server: None,
            reason,
        };
    }
    ClusterError::Request {
        verb: verb.to_string(),
        resource: resource.to_string(),
        namespace,
        reason: one_line(&texts.join(": ")),
    }
}

/// First line only, trimmed: error messages stay one line.
pub(crate) fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        let mut status = Status::failure(message, reason);
        status.code = code;
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn forbidden_keeps_the_api_message() {
        let msg = "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"x\"";
        let e = ClusterError::from_kube(api(403, "Forbidden", msg), "list", "pods", Some("x"));
        assert_eq!(e.to_string(), format!("forbidden: {msg}"));
        assert!(e.is_forbidden());
    }

    #[test]
    fn unauthorized_names_server_and_user() {
        let e = ClusterError::from_kube(
            api(401, "Unauthorized", "Unauthorized"),
            "get",
            "version",
            None,
        )
        .with_endpoint("https://k:6443", "bob");
        let s = e.to_string();
        assert!(s.starts_with("unauthorized: the API server https://k:6443 rejected the credentials of kubeconfig user \"bob\""), "{s}");
    }

    #[test]
    fn other_codes_are_one_line() {
        let e = ClusterError::from_kube(
            api(500, "InternalError", "boom\nsecond"),
            "get",
            "nodes",
            None,
        );
        assert_eq!(e.to_string(), "get nodes: boom second (500 InternalError)");
    }
}
