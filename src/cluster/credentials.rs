//! Credentials podwiz fetches itself, as kubectl (client-go) does: an `exec` credential plugin
//! and a `tokenFile` that is read again while podwiz runs.
//!
//! Why not kube's auth layer: podwiz talks through its own TLS transport
//! ([`super::transport`]), and a client certificate that an exec plugin prints
//! (`status.clientCertificateData`, e.g. for clusters that authenticate users by certificate
//! from an external issuer) must go into *that* TLS configuration; kube keeps its exec identity
//! to its own connector (`exec_identity_pem` is `pub(crate)`). kube also sends a `tokenFile` as
//! read (a token written with `echo` ends in a newline, no valid header value).
//!
//! The rules, from client-go (`plugin/pkg/client/auth/exec/exec.go`,
//! `transport/token_source.go`) and the Kubernetes documentation "client-go credential plugins"
//! (<https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins>):
//! * `apiVersion` `client.authentication.k8s.io/v1` or `/v1beta1`; the plugin must answer in the
//!   same version. For v1, `interactiveMode` is required; for v1beta1 it defaults to
//!   `IfAvailable`. The plugin gets `KUBERNETES_EXEC_INFO` (`spec.interactive`, and
//!   `spec.cluster` with `provideClusterInfo: true`), the kubeconfig's `env` on top of podwiz's
//!   own environment, and its `args`.
//! * The answer is kept until its `status.expirationTimestamp` (for ever without one); the plugin
//!   runs again after that, and after a 401 to a request that carried its token (the request
//!   itself is not repeated, as in client-go).
//! * A `tokenFile` is read again when the last read is a minute old (client-go's
//!   `NewCachedFileTokenSource`); if a later read fails, the last token read is kept.
//!
//! Where client-go is silent or podwiz differs (and why):
//! * The plugin's standard output is bounded ([`MAX_PLUGIN_OUTPUT`]) and the run is bounded in
//!   time ([`EXEC_TIMEOUT`], [`EXEC_INTERACTIVE_TIMEOUT`] when a person may be typing): client-go
//!   has neither, and a hung plugin would hang podwiz without a word.
//! * When the plugin is not interactive, its standard error is captured (bounded) and its last
//!   line goes into the error, instead of being copied to the terminal: the wizard's screen
//!   stays whole, and the one-line error says what the plugin said. An interactive plugin gets
//!   the terminal (stdin and stderr), as with kubectl. The wizard forbids interactive plugins
//!   ([`forbid_interactive`]): its terminal is in raw mode.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use rustls::sign::CertifiedKey;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use tokio::io::AsyncReadExt as _;

/// Longest run of a non-interactive exec plugin (seconds: 60).
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest run of an interactive exec plugin: a person may be logging in (seconds: 300).
pub const EXEC_INTERACTIVE_TIMEOUT: Duration = Duration::from_secs(300);
/// Most bytes an exec plugin may print on standard output (1 MiB; a credential with a
/// certificate chain is a few KiB).
pub const MAX_PLUGIN_OUTPUT: usize = 1024 * 1024;
/// Most bytes of a plugin's standard error kept for the error message (the end is kept).
const MAX_PLUGIN_STDERR: usize = 16 * 1024;
/// How long a `tokenFile`'s token is used before the file is read again (client-go: a minute).
pub const TOKEN_FILE_PERIOD: Duration = Duration::from_secs(60);
/// Largest `tokenFile` podwiz reads (64 KiB; tokens are a few KiB).
pub const MAX_TOKEN_FILE: u64 = 64 * 1024;

/// The client-go API versions of `ExecCredential` podwiz speaks.
pub const EXEC_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

static INTERACTIVE_FORBIDDEN: AtomicBool = AtomicBool::new(false);

/// From now on no exec plugin gets the terminal (the wizard calls this: its terminal is in raw
/// mode and its screen must not be written over). `interactiveMode: Always` plugins then fail
/// with a message saying to run podwiz from a shell.
pub fn forbid_interactive() {
    INTERACTIVE_FORBIDDEN.store(true, Ordering::SeqCst);
}

/// One credential: a bearer token, a client certificate, or both.
pub struct Credential {
    /// `Authorization: Bearer` value.
    pub token: Option<SecretString>,
    /// The TLS client certificate and key (checked to belong together; X.509 v1 or v3).
    pub identity: Option<Arc<CertifiedKey>>,
    /// Counts fetches: a new number is a new credential.
    pub generation: u64,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("identity", &self.identity.is_some())
            .field("generation", &self.generation)
            .finish()
    }
}

/// Why no credential could be had. The text is one line and names the kubeconfig user and,
/// for a plugin, its command; it never contains the credential.
#[derive(Clone, Debug, thiserror::Error)]
#[error("credentials of kubeconfig user \"{user}\": {reason}")]
pub struct CredentialError {
    pub user: String,
    pub reason: String,
}

/// An `exec` entry of a kubeconfig user, as podwiz runs it.
#[derive(Clone, Debug)]
pub struct ExecPlugin {
    /// Absolute, or a name looked up in `PATH` (kube made relative paths absolute to the
    /// kubeconfig's folder, as client-go does).
    pub command: String,
    pub args: Vec<String>,
    /// `env` of the kubeconfig: set on top of podwiz's own environment.
    pub env: Vec<(String, String)>,
    pub api_version: String,
    pub interactive_mode: InteractiveMode,
    /// `installHint` of the kubeconfig, shown when the command does not exist.
    pub install_hint: Option<String>,
    /// `spec.cluster` of `KUBERNETES_EXEC_INFO` (`provideClusterInfo: true`), as JSON.
    pub cluster: Option<serde_json::Value>,
    /// Longest run when not interactive (interactive: at least [`EXEC_INTERACTIVE_TIMEOUT`]).
    pub timeout: Duration,
}

/// `interactiveMode` of an exec plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InteractiveMode {
    Never,
    IfAvailable,
    Always,
}

impl ExecPlugin {
    /// The plugin of a kube `ExecConfig`, checked as client-go checks it. `Err`: the field and
    /// why (the caller names the file and the user).
    pub fn from_config(
        exec: &kube::config::ExecConfig,
    ) -> Result<ExecPlugin, (&'static str, String)> {
        let command = exec
            .command
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(("exec.command", "missing".to_string()))?;
        // kube joined a relative command to the kubeconfig's folder as `DIR/./plugin`: the
        // same file, said plainly.
        let command = if command.contains('/') {
            std::path::Path::new(&command)
                .components()
                .collect::<PathBuf>()
                .display()
                .to_string()
        } else {
            command
        };
        let api_version = exec.api_version.clone().filter(|v| !v.is_empty()).ok_or((
            "exec.apiVersion",
            format!("missing; use {}", EXEC_API_VERSIONS[0]),
        ))?;
        if !EXEC_API_VERSIONS.contains(&api_version.as_str()) {
            return Err((
                "exec.apiVersion",
                format!(
                    "\"{api_version}\" is not supported; use {} or {}",
                    EXEC_API_VERSIONS[0], EXEC_API_VERSIONS[1]
                ),
            ));
        }
        use kube::config::ExecInteractiveMode as M;
        let interactive_mode = match (&exec.interactive_mode, api_version.as_str()) {
            (Some(M::Never), _) => InteractiveMode::Never,
            (Some(M::IfAvailable), _) => InteractiveMode::IfAvailable,
            (Some(M::Always), _) => InteractiveMode::Always,
            (None, "client.authentication.k8s.io/v1beta1") => InteractiveMode::IfAvailable,
            (None, _) => {
                return Err((
                    "exec.interactiveMode",
                    format!(
                        "missing: {api_version} requires Never, IfAvailable or Always (kubectl refuses it too)"
                    ),
                ));
            }
        };
        let mut env = Vec::new();
        for (i, entry) in exec.env.iter().flatten().enumerate() {
            match (entry.get("name"), entry.get("value")) {
                (Some(name), Some(value)) if !name.is_empty() => {
                    env.push((name.clone(), value.clone()))
                }
                _ => {
                    return Err((
                        "exec.env",
                        format!("entry {} needs a name and a value", i + 1),
                    ));
                }
            }
        }
        let cluster = if exec.provide_cluster_info {
            Some(
                exec.cluster
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(|e| ("exec.provideClusterInfo", e.to_string()))?
                    .unwrap_or_else(|| serde_json::json!({})),
            )
        } else {
            None
        };
        Ok(ExecPlugin {
            command,
            args: exec.args.clone().unwrap_or_default(),
            env,
            api_version,
            interactive_mode,
            install_hint: exec.install_hint.clone().filter(|h| !h.trim().is_empty()),
            cluster,
            timeout: EXEC_TIMEOUT,
        })
    }

    /// `command arg...` for messages (arguments are not secrets in a kubeconfig; env values
    /// may be, and are not shown).
    pub fn command_line(&self) -> String {
        std::iter::once(self.command.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether this run may use the terminal (client-go: `IfAvailable` when stdin is one).
    fn interactive(&self) -> Result<bool, String> {
        use std::io::IsTerminal as _;
        let terminal =
            std::io::stdin().is_terminal() && !INTERACTIVE_FORBIDDEN.load(Ordering::SeqCst);
        match self.interactive_mode {
            InteractiveMode::Never => Ok(false),
            InteractiveMode::IfAvailable => Ok(terminal),
            InteractiveMode::Always if terminal => Ok(true),
            InteractiveMode::Always => Err(
                "interactiveMode is Always, but there is no terminal to interact on (standard input is not one, or the wizard holds it); run podwiz (or kubectl) from a shell once to log in"
                    .to_string(),
            ),
        }
    }

    /// Runs the plugin once; its credential and when it expires.
    async fn run(&self) -> Result<(Fetched, Option<SystemTime>), String> {
        let interactive = self
            .interactive()
            .map_err(|e| format!("exec plugin \"{}\": {e}", self.command_line()))?;
        let mut spec = serde_json::json!({ "interactive": interactive });
        if let Some(cluster) = &self.cluster {
            spec["cluster"] = cluster.clone();
        }
        let exec_info = serde_json::json!({
            "apiVersion": self.api_version,
            "kind": "ExecCredential",
            "spec": spec,
        });
        let mut cmd = tokio::process::Command::new(&self.command);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("KUBERNETES_EXEC_INFO", exec_info.to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if interactive {
            cmd.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            cmd.stdin(Stdio::null()).stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "exec plugin \"{}\" not found{}",
                self.command,
                self.install_hint
                    .as_deref()
                    .map(|h| format!(" ({})", super::error::one_line(h)))
                    .unwrap_or_default()
            ),
            _ => format!("exec plugin \"{}\" cannot be started: {e}", self.command),
        })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let read_out = async {
            let mut buf = Vec::new();
            if let Some(out) = stdout {
                // One byte more than allowed tells "too much" from "exactly the limit".
                out.take(MAX_PLUGIN_OUTPUT as u64 + 1)
                    .read_to_end(&mut buf)
                    .await?;
            }
            Ok::<_, std::io::Error>(buf)
        };
        let read_err = async {
            let mut kept: Vec<u8> = Vec::new();
            if let Some(mut err) = stderr {
                let mut chunk = [0u8; 4096];
                loop {
                    let n = err.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    kept.extend_from_slice(&chunk[..n]);
                    if kept.len() > MAX_PLUGIN_STDERR {
                        kept.drain(..kept.len() - MAX_PLUGIN_STDERR);
                    }
                }
            }
            kept
        };
        let limit = if interactive {
            self.timeout.max(EXEC_INTERACTIVE_TIMEOUT)
        } else {
            self.timeout
        };
        let all = async {
            let (out, err) = tokio::join!(read_out, read_err);
            (out, err)
        };
        let (stdout, stderr) = match tokio::time::timeout(limit, all).await {
            Ok(r) => r,
            Err(_) => {
                let _ = child.kill().await;
                return Err(format!(
                    "exec plugin \"{}\" did not finish within {} s",
                    self.command_line(),
                    limit.as_secs()
                ));
            }
        };
        let stdout = match stdout {
            Ok(out) if out.len() > MAX_PLUGIN_OUTPUT => {
                let _ = child.kill().await;
                return Err(format!(
                    "exec plugin \"{}\" printed more than {} KiB; an ExecCredential is a few KiB",
                    self.command_line(),
                    MAX_PLUGIN_OUTPUT / 1024
                ));
            }
            Ok(out) => out,
            Err(e) => {
                let _ = child.kill().await;
                return Err(format!(
                    "exec plugin \"{}\": reading its output: {e}",
                    self.command_line()
                ));
            }
        };
        // Output closed: the plugin is ending. A plugin that closes its output but keeps
        // running is still bounded.
        let status = match tokio::time::timeout(limit, child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => {
                return Err(format!("exec plugin \"{}\": {e}", self.command_line()));
            }
            Err(_) => {
                let _ = child.kill().await;
                return Err(format!(
                    "exec plugin \"{}\" did not finish within {} s",
                    self.command_line(),
                    limit.as_secs()
                ));
            }
        };
        if !status.success() {
            let said = last_line(&stderr);
            return Err(format!(
                "exec plugin \"{}\" failed ({}){}",
                self.command_line(),
                match status.code() {
                    Some(code) => format!("exit code {code}"),
                    None => "killed by a signal".to_string(),
                },
                said.map(|s| format!(": {s}")).unwrap_or_default()
            ));
        }
        self.parse(&stdout)
            .map_err(|why| format!("exec plugin \"{}\" {why}", self.command_line()))
    }

    /// The plugin's answer, checked as client-go checks it. `Err`: what is wrong (after
    /// "exec plugin CMD").
    fn parse(&self, stdout: &[u8]) -> Result<(Fetched, Option<SystemTime>), String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ExecCredential {
            api_version: Option<String>,
            kind: Option<String>,
            status: Option<Status>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Status {
            expiration_timestamp: Option<String>,
            token: Option<String>,
            client_certificate_data: Option<String>,
            client_key_data: Option<String>,
        }
        let text = std::str::from_utf8(stdout)
            .map_err(|_| "printed no ExecCredential (its output is not UTF-8 text)".to_string())?;
        if text.trim().is_empty() {
            return Err("printed nothing; an ExecCredential (JSON) was expected".to_string());
        }
        // JSON, or YAML: client-go decodes with a YAML-tolerant codec. Parser messages may
        // quote the output, which may hold a credential: only the position is kept.
        let value: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" (line {} column {})", l.line(), l.column()))
                .unwrap_or_default();
            format!("printed something that is not an ExecCredential{at}")
        })?;
        if !value.is_object() {
            return Err("printed something that is not an ExecCredential (no JSON object)".into());
        }
        let cred: ExecCredential = serde_path_to_error::deserialize(value).map_err(|e| {
            format!(
                "printed an ExecCredential whose {} has the wrong type",
                e.path()
            )
        })?;
        if cred.kind.is_none() && cred.api_version.is_none() {
            return Err(
                "printed something that is not an ExecCredential (no apiVersion, no kind)".into(),
            );
        }
        if let Some(kind) = cred.kind.as_deref()
            && kind != "ExecCredential"
        {
            return Err(format!("printed a {kind}, not an ExecCredential"));
        }
        match cred.api_version.as_deref() {
            Some(v) if v == self.api_version => {}
            other => {
                return Err(format!(
                    "answered in apiVersion \"{}\", but the kubeconfig asks for {}",
                    other.unwrap_or(""),
                    self.api_version
                ));
            }
        }
        let status = cred
            .status
            .ok_or_else(|| "returned no status (no token, no certificate)".to_string())?;
        let expires = match status.expiration_timestamp.as_deref() {
            None | Some("") => None,
            Some(ts) => {
                let t: jiff::Timestamp = ts.parse().map_err(|_| {
                    format!("returned status.expirationTimestamp \"{ts}\", not an RFC 3339 time")
                })?;
                Some(SystemTime::from(t))
            }
        };
        let token = status.token.filter(|t| !t.is_empty());
        let cert = status.client_certificate_data.filter(|c| !c.is_empty());
        let key = status.client_key_data.filter(|k| !k.is_empty());
        let identity = match (cert, key) {
            (Some(cert), Some(key)) => Some(
                super::transport::identity(cert.as_bytes(), key.as_bytes())
                    .map(Arc::new)
                    .map_err(|e| match e {
                        super::transport::IdentityError::Certificate(r) => {
                            format!(
                                "returned a status.clientCertificateData that cannot be used: {r}"
                            )
                        }
                        super::transport::IdentityError::Key(r) => {
                            format!("returned a status.clientKeyData that cannot be used: {r}")
                        }
                    })?,
            ),
            (Some(_), None) | (None, Some(_)) => {
                return Err(
                    "returned only one of status.clientCertificateData and status.clientKeyData; both are needed"
                        .to_string(),
                );
            }
            (None, None) => None,
        };
        if token.is_none() && identity.is_none() {
            return Err(
                "returned neither status.token nor status.clientCertificateData and status.clientKeyData"
                    .to_string(),
            );
        }
        if let Some(t) = &token
            && http::HeaderValue::from_str(&format!("Bearer {t}")).is_err()
        {
            return Err("returned a status.token that is no valid HTTP header value".to_string());
        }
        Ok((
            Fetched {
                token: token.map(SecretString::from),
                identity,
            },
            expires,
        ))
    }
}

/// The last non-empty line of a plugin's standard error, shortened.
fn last_line(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    const MAX: usize = 300;
    Some(if line.chars().count() > MAX {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    } else {
        line.to_string()
    })
}

struct Fetched {
    token: Option<SecretString>,
    identity: Option<Arc<CertifiedKey>>,
}

/// Where a credential comes from.
#[derive(Clone, Debug)]
pub enum Source {
    Exec(ExecPlugin),
    /// A file holding a bearer token, read again every `period`.
    TokenFile {
        path: PathBuf,
        period: Duration,
    },
}

struct Cached {
    credential: Arc<Credential>,
    /// Exec: `expirationTimestamp` (None: never). Token file: the next read.
    fresh_until: Option<Fresh>,
}

#[derive(Clone, Copy)]
enum Fresh {
    Wall(SystemTime),
    Mono(Instant),
}

impl Fresh {
    fn expired(self) -> bool {
        match self {
            // client-go: expired once now is after the expiration (no margin); a 401 in
            // between also makes podwiz run the plugin again.
            Fresh::Wall(t) => SystemTime::now() > t,
            Fresh::Mono(t) => Instant::now() >= t,
        }
    }
}

/// A credential source with its cache; cheap to clone (clones share the cache).
#[derive(Clone)]
pub struct Credentials {
    inner: Arc<Inner>,
}

struct Inner {
    user: String,
    source: Source,
    cache: tokio::sync::Mutex<Option<Cached>>,
    generation: AtomicU64,
    runs: AtomicU64,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.inner.user)
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Credentials of kubeconfig user `user` from `source` (nothing runs or is read yet).
    pub fn new(user: &str, source: Source) -> Credentials {
        Credentials {
            inner: Arc::new(Inner {
                user: user.to_string(),
                source,
                cache: tokio::sync::Mutex::new(None),
                generation: AtomicU64::new(0),
                runs: AtomicU64::new(0),
            }),
        }
    }

    fn error(&self, reason: String) -> CredentialError {
        CredentialError {
            user: self.inner.user.clone(),
            reason,
        }
    }

    /// How many times the plugin ran or the file was read.
    pub fn fetches(&self) -> u64 {
        self.inner.runs.load(Ordering::SeqCst)
    }

    /// The credential to use now: the cached one while it is fresh, else a new one (the
    /// plugin runs, or the file is read; requests waiting meanwhile share that run).
    pub async fn current(&self) -> Result<Arc<Credential>, CredentialError> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(c) = &*cache
            && !c.fresh_until.is_some_and(Fresh::expired)
        {
            return Ok(c.credential.clone());
        }
        self.inner.runs.fetch_add(1, Ordering::SeqCst);
        let fetched = match &self.inner.source {
            Source::Exec(plugin) => plugin
                .run()
                .await
                .map(|(f, exp)| (f, exp.map(Fresh::Wall)))
                .map_err(|r| self.error(r)),
            Source::TokenFile { path, period } => {
                let next = Some(Fresh::Mono(Instant::now() + *period));
                match read_token_file(path) {
                    Ok(token) => Ok((
                        Fetched {
                            token: Some(token),
                            identity: None,
                        },
                        next,
                    )),
                    // client-go: if a later read fails, the last token read is used (a
                    // file may be removed after start to limit exposure; kubernetes#68164).
                    Err(reason) => match cache.as_mut() {
                        Some(c) => {
                            c.fresh_until = next;
                            return Ok(c.credential.clone());
                        }
                        None => Err(self.error(format!("tokenFile: {reason}"))),
                    },
                }
            }
        };
        let (fetched, fresh_until) = fetched?;
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let credential = Arc::new(Credential {
            token: fetched.token,
            identity: fetched.identity,
            generation,
        });
        *cache = Some(Cached {
            credential: credential.clone(),
            fresh_until,
        });
        Ok(credential)
    }

    /// The API server answered 401 to a request made with credential `generation`: forget it,
    /// so the next request fetches a new one (client-go's `maybeRefreshCreds`: only if no newer
    /// credential was fetched since).
    pub async fn rejected(&self, generation: u64) {
        let mut cache = self.inner.cache.lock().await;
        if cache
            .as_ref()
            .is_some_and(|c| c.credential.generation == generation)
        {
            *cache = None;
        }
    }
}

/// The source podwiz fetches credentials from for kubeconfig user `auth`, with the precedence
/// of kube and client-go: an `auth-provider`, `username`/`password` or `token` is sent as it
/// is (no source); else a `tokenFile` (read every `token_file_period`); else an `exec` plugin,
/// unless the user has a client certificate of its own (client-go then does not run the
/// plugin). `Err`: the field and why (the caller names the file and the user).
pub fn source_of(
    auth: &kube::config::AuthInfo,
    token_file_period: Duration,
    exec_timeout: Duration,
) -> Result<Option<Source>, (&'static str, String)> {
    let basic = auth.username.is_some() && auth.password.is_some();
    if auth.auth_provider.is_some() || basic || auth.token.is_some() {
        return Ok(None);
    }
    if let Some(path) = auth.token_file.as_deref().filter(|p| !p.is_empty()) {
        return Ok(Some(Source::TokenFile {
            path: PathBuf::from(path),
            period: token_file_period,
        }));
    }
    let own_certificate = auth.client_certificate.is_some()
        || auth.client_certificate_data.is_some()
        || auth.client_key.is_some()
        || auth.client_key_data.is_some();
    match &auth.exec {
        Some(exec) if !own_certificate => ExecPlugin::from_config(exec).map(|mut p| {
            p.timeout = exec_timeout;
            Some(Source::Exec(p))
        }),
        _ => Ok(None),
    }
}

/// The trimmed token of a token file, at most [`MAX_TOKEN_FILE`] bytes. Synchronous: a few
/// KiB from a local file, once a minute.
pub(crate) fn read_token_file(path: &std::path::Path) -> Result<SecretString, String> {
    use std::io::Read as _;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_TOKEN_FILE {
        return Err(format!(
            "{} is larger than {} KiB; a token is a few KiB",
            path.display(),
            MAX_TOKEN_FILE / 1024
        ));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    // client-go trims the file: a token written with `echo` ends in a newline.
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    if http::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
        return Err(format!(
            "{} holds no valid token (characters an HTTP header cannot carry)",
            path.display()
        ));
    }
    Ok(SecretString::from(token.to_string()))
}

/// `Authorization: Bearer TOKEN`, marked sensitive.
pub fn bearer(token: &SecretString) -> Option<http::HeaderValue> {
    let mut value =
        http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(version: &str) -> ExecPlugin {
        ExecPlugin {
            command: "plugin".into(),
            args: vec!["get-token".into()],
            env: Vec::new(),
            api_version: version.into(),
            interactive_mode: InteractiveMode::Never,
            install_hint: None,
            cluster: None,
            timeout: EXEC_TIMEOUT,
        }
    }

    const V1: &str = "client.authentication.k8s.io/v1";

    #[test]
    fn answers_are_checked_as_client_go_checks_them() {
        let p = plugin(V1);
        let err = |out: &str| p.parse(out.as_bytes()).err().unwrap_or_default();
        assert!(err("").contains("printed nothing"));
        assert!(err("not: [json").contains("not an ExecCredential"));
        assert!(err("{\"kind\":\"Status\",\"apiVersion\":\"v1\"}").contains("a Status"));
        assert!(
            err("{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}")
                .contains("asks for client.authentication.k8s.io/v1")
        );
        assert!(
            err(&format!(
                "{{\"apiVersion\":\"{V1}\",\"kind\":\"ExecCredential\"}}"
            ))
            .contains("no status")
        );
        assert!(err(&format!("{{\"apiVersion\":\"{V1}\",\"status\":{{}}}}")).contains("neither"));
        assert!(
            err(&format!(
                "{{\"apiVersion\":\"{V1}\",\"status\":{{\"clientKeyData\":\"k\"}}}}"
            ))
            .contains("only one of")
        );
        assert!(
            err(&format!(
                "{{\"apiVersion\":\"{V1}\",\"status\":{{\"token\":\"t\",\"expirationTimestamp\":\"tomorrow\"}}}}"
            ))
            .contains("not an RFC 3339 time")
        );
        // The secret is never in a message, even when the parser would quote it.
        let secret = "s3cr3t-token-value-that-must-not-leak";
        let e = err(&format!(
            "{{\"apiVersion\":\"{V1}\",\"status\":{{\"token\":[\"{secret}\"]}}}}"
        ));
        assert!(!e.contains(secret), "{e}");
        // YAML is accepted, as client-go's codec does.
        let (f, exp) = p
            .parse(
                format!("apiVersion: {V1}\nkind: ExecCredential\nstatus:\n  token: abc\n  expirationTimestamp: 2030-01-02T03:04:05Z\n")
                    .as_bytes(),
            )
            .expect("YAML credential");
        assert_eq!(
            f.token.map(|t| t.expose_secret().to_string()),
            Some("abc".into())
        );
        assert_eq!(
            exp,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_553_445))
        );
    }

    #[test]
    fn config_checks_version_and_interactive_mode() {
        let mut exec = kube::config::ExecConfig {
            command: Some("p".into()),
            api_version: Some(V1.into()),
            ..Default::default()
        };
        let e = ExecPlugin::from_config(&exec).expect_err("v1 needs interactiveMode");
        assert_eq!(e.0, "exec.interactiveMode");
        exec.api_version = Some("client.authentication.k8s.io/v1beta1".into());
        let p = ExecPlugin::from_config(&exec).expect("v1beta1 defaults");
        assert_eq!(p.interactive_mode, InteractiveMode::IfAvailable);
        exec.api_version = Some("client.authentication.k8s.io/v1alpha1".into());
        assert_eq!(
            ExecPlugin::from_config(&exec).expect_err("v1alpha1").0,
            "exec.apiVersion"
        );
        exec.api_version = None;
        assert_eq!(
            ExecPlugin::from_config(&exec).expect_err("none").0,
            "exec.apiVersion"
        );
    }

    #[test]
    fn stderr_keeps_its_last_line() {
        assert_eq!(
            last_line(b"starting\nerror: token expired\n\n").as_deref(),
            Some("error: token expired")
        );
        assert_eq!(last_line(b"\n \n"), None);
        assert!(last_line(&[b'x'; 1000]).is_some_and(|l| l.ends_with('…')));
    }

    #[test]
    fn freshness() {
        assert!(Fresh::Wall(SystemTime::now() - Duration::from_secs(1)).expired());
        assert!(!Fresh::Wall(SystemTime::now() + Duration::from_secs(60)).expired());
        assert!(Fresh::Mono(Instant::now()).expired());
        assert!(!Fresh::Mono(Instant::now() + Duration::from_secs(60)).expired());
    }
}
