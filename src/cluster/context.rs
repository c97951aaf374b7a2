//! Loading the kube context like kubectl does. Synchronous, no network.
//!
//! Where the kubeconfig comes from (first match):
//! 1. `--kubeconfig FILE`: exactly that file; it must exist.
//! 2. `KUBECONFIG` (non-empty): its `:`-separated files, merged first-wins (the first file to set
//!    a value or map key wins, `current-context` included). **Missing files are skipped, like
//!    kubectl/client-go do** (kube's `Kubeconfig::read()` would fail instead); if *none* of the
//!    listed files exists, loading fails with [`ClusterError::NoKubeconfig`] naming every path
//!    tried. Files that exist but cannot be read or parsed are errors.
//! 3. `~/.kube/config`.
//!
//! `Config::infer()` is never used: it silently falls back to the in-cluster service account.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use super::error::{ClusterError, one_line};
use crate::cli::ClusterArgs;

/// TCP connect timeout of every client podwiz builds.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest silence allowed while reading a response. Watches must ask the server for a shorter
/// `timeoutSeconds` (e.g. `WatchParams::default().timeout(25)`) and re-watch.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What the user is about to talk to, for display before any write.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContextInfo {
    /// Context name.
    pub context: String,
    /// Cluster name (in the kubeconfig).
    pub cluster: String,
    /// API server URL.
    pub server: String,
    /// Kubeconfig user name (not a secret: the name of the credentials entry).
    pub user: String,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
}

/// Loads the context selected by `args` from the process environment (`KUBECONFIG`, `HOME`).
pub fn load(
    args: &ClusterArgs,
    namespace: Option<&str>,
) -> Result<(ContextInfo, kube::Config), ClusterError> {
    let env = std::env::var_os("KUBECONFIG");
    let home = std::env::home_dir();
    load_with_env(args, namespace, env.as_deref(), home.as_deref())
}

/// [`load`] with an explicit `KUBECONFIG` value and home directory (for tests and embedding).
pub fn load_with_env(
    args: &ClusterArgs,
    namespace: Option<&str>,
    kubeconfig_env: Option<&OsStr>,
    home: Option<&Path>,
) -> Result<(ContextInfo, kube::Config), ClusterError> {
    let files = kubeconfig_files(args, kubeconfig_env, home)?;
    let sources = files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut merged: Option<Kubeconfig> = None;
    let mut origins = Origins::default();
    for file in &files {
        let kc = read_file(file)?;
        origins.record(&kc, file);
        merged = Some(match merged {
            None => kc,
            Some(m) => m.merge(kc).map_err(|e| ClusterError::InvalidKubeconfig {
                sources: sources.clone(),
                reason: format!("cannot merge {}: {}", file.display(), kube_reason(&e)),
            })?,
        });
    }
    let kc = merged.unwrap_or_default();
    select(kc, args, namespace, &sources, &origins)
}

/// Which file defined each cluster and user entry (merging is first-wins, so the first file
/// that names an entry is the one whose values are used).
#[derive(Default)]
struct Origins {
    clusters: Vec<(String, PathBuf)>,
    users: Vec<(String, PathBuf)>,
}

impl Origins {
    fn record(&mut self, kc: &Kubeconfig, file: &Path) {
        for c in &kc.clusters {
            if !self.clusters.iter().any(|(n, _)| *n == c.name) {
                self.clusters.push((c.name.clone(), file.to_path_buf()));
            }
        }
        for u in &kc.auth_infos {
            if !self.users.iter().any(|(n, _)| *n == u.name) {
                self.users.push((u.name.clone(), file.to_path_buf()));
            }
        }
    }

    fn of(list: &[(String, PathBuf)], name: &str, sources: &str) -> String {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.display().to_string())
            .unwrap_or_else(|| sources.to_string())
    }
}

/// A bad value of a cluster or user entry: `invalid kubeconfig FILE: user "bob": FIELD: why`.
fn field_error(file: String, entry: &str, field: &str, reason: &str) -> ClusterError {
    ClusterError::InvalidKubeconfig {
        sources: file,
        reason: format!("{entry}: {field}: {reason}"),
    }
}

/// Bytes of a `-data` field (base64) or of a file field (a path; relative paths were made
/// absolute to the kubeconfig's folder when it was read). `Ok(None)`: neither is set. The
/// error names the field.
fn data_or_file(
    data: Option<&str>,
    data_field: &'static str,
    file: Option<&str>,
    file_field: &'static str,
) -> Result<Option<Vec<u8>>, (&'static str, String)> {
    use base64::Engine as _;
    if let Some(data) = data.filter(|d| !d.trim().is_empty()) {
        let compact: String = data.split_whitespace().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map(Some)
            .map_err(|e| (data_field, format!("not base64 ({e})")));
    }
    if let Some(path) = file.filter(|f| !f.is_empty()) {
        return std::fs::read(path)
            .map(Some)
            .map_err(|e| (file_field, format!("cannot read {path}: {e}")));
    }
    Ok(None)
}

/// The cluster's certificate-authority (DER), checked; `None` when the kubeconfig has none.
pub fn cluster_roots(
    cluster: &kube::config::Cluster,
) -> Result<Option<Vec<Vec<u8>>>, (&'static str, String)> {
    let Some(pem) = data_or_file(
        cluster.certificate_authority_data.as_deref(),
        "certificate-authority-data",
        cluster.certificate_authority.as_deref(),
        "certificate-authority",
    )?
    else {
        return Ok(None);
    };
    let field = if cluster
        .certificate_authority_data
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
    {
        "certificate-authority-data"
    } else {
        "certificate-authority"
    };
    super::transport::ca_certificates(&pem)
        .map(Some)
        .map_err(|reason| (field, reason))
}

/// The user's client certificate and key, checked (see [`super::transport::identity`]);
/// `None` when the user has neither.
pub fn user_identity(
    user: &kube::config::AuthInfo,
) -> Result<Option<rustls::sign::CertifiedKey>, (&'static str, String)> {
    use secrecy::ExposeSecret as _;
    let cert_field = if user
        .client_certificate_data
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
    {
        "client-certificate-data"
    } else {
        "client-certificate"
    };
    let key_data = user
        .client_key_data
        .as_ref()
        .map(|k| k.expose_secret().to_string());
    let key_field = if key_data.as_deref().is_some_and(|d| !d.trim().is_empty()) {
        "client-key-data"
    } else {
        "client-key"
    };
    let cert = data_or_file(
        user.client_certificate_data.as_deref(),
        "client-certificate-data",
        user.client_certificate.as_deref(),
        "client-certificate",
    )?;
    let key = data_or_file(
        key_data.as_deref(),
        "client-key-data",
        user.client_key.as_deref(),
        "client-key",
    )?;
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err((
            "client-key",
            format!("missing: {cert_field} is set, so client-key or client-key-data must be too"),
        )),
        (None, Some(_)) => Err((
            "client-certificate",
            format!(
                "missing: {key_field} is set, so client-certificate or client-certificate-data must be too"
            ),
        )),
        (Some(cert), Some(key)) => super::transport::identity(&cert, &key)
            .map(Some)
            .map_err(|e| match e {
                super::transport::IdentityError::Certificate(r) => (cert_field, r),
                super::transport::IdentityError::Key(r) => (key_field, r),
            }),
    }
}

/// The kubeconfig files to read, in merge order (all exist).
fn kubeconfig_files(
    args: &ClusterArgs,
    kubeconfig_env: Option<&OsStr>,
    home: Option<&Path>,
) -> Result<Vec<PathBuf>, ClusterError> {
    if let Some(path) = &args.kubeconfig {
        if !path.exists() {
            return Err(ClusterError::KubeconfigNotFound {
                path: path.display().to_string(),
            });
        }
        return Ok(vec![path.clone()]);
    }
    let listed: Vec<PathBuf> = kubeconfig_env
        .map(|v| {
            std::env::split_paths(&OsString::from(v))
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if !listed.is_empty() {
        let existing: Vec<PathBuf> = listed.iter().filter(|p| p.exists()).cloned().collect();
        if existing.is_empty() {
            return Err(ClusterError::NoKubeconfig {
                tried: format!("{} (from KUBECONFIG)", join_paths(&listed)),
            });
        }
        return Ok(existing);
    }
    match home {
        Some(home) => {
            let path = home.join(".kube").join("config");
            if path.exists() {
                Ok(vec![path])
            } else {
                Err(ClusterError::NoKubeconfig {
                    tried: format!(
                        "{} (KUBECONFIG is not set; use --kubeconfig FILE)",
                        path.display()
                    ),
                })
            }
        }
        None => Err(ClusterError::NoKubeconfig {
            tried: "nothing: KUBECONFIG is not set and there is no home directory for ~/.kube/config; use --kubeconfig FILE".to_string(),
        }),
    }
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_file(path: &Path) -> Result<Kubeconfig, ClusterError> {
    let read_error = |reason: String| ClusterError::ReadKubeconfig {
        path: path.display().to_string(),
        reason,
    };
    let bytes = read_bounded(path).map_err(read_error)?;
    parse_kubeconfig(&bytes, path.parent()).map_err(|e| match e {
        KubeconfigError::Parse(err) => {
            let location = err.location();
            let reason = err.without_snippet().to_string();
            ClusterError::MalformedKubeconfig {
                path: path.display().to_string(),
                line: location.map(|l| l.line()).filter(|l| *l > 0),
                column: location.map(|l| l.column()).filter(|c| *c > 0),
                reason: redact(&strip_location(&reason)),
            }
        }
        KubeconfigError::ReadConfig(io, _) => read_error(io.to_string()),
        other => ClusterError::InvalidKubeconfig {
            sources: path.display().to_string(),
            reason: kube_reason(&other),
        },
    })
}

/// Largest kubeconfig podwiz reads, in bytes (16 MiB, the manifest reader's limit). Real ones
/// are a few KiB to a few hundred KiB; the bound keeps `KUBECONFIG=/dev/zero` or a runaway file
/// from taking the machine's memory (kube's own reader has no limit).
pub const KUBECONFIG_LIMIT: u64 = 16 << 20;

/// Reads at most [`KUBECONFIG_LIMIT`] bytes of a file, a pipe (`KUBECONFIG=<(...)`) or a device.
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(KUBECONFIG_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > KUBECONFIG_LIMIT {
        return Err(format!(
            "larger than {} MiB: not a kubeconfig (podwiz reads at most that much)",
            KUBECONFIG_LIMIT >> 20
        ));
    }
    Ok(bytes)
}

/// A kubeconfig from its bytes, as `kube::config::Kubeconfig::read_from` reads a file: UTF-8
/// or UTF-16 with a byte-order mark, several YAML documents merged first-wins, and relative
/// file references (certificate-authority, client-certificate, client-key, tokenFile, an exec
/// command with a path separator: client-go's `GetAuthInfoFileReferences`) made absolute to
/// `dir`, the kubeconfig's own folder. Pure, bounded by serde-saphyr's parse budget (alias
/// expansion, nodes, depth); fuzzed (fuzz/fuzz_targets/read_kubeconfig.rs).
///
/// # Errors
/// `KubeconfigError::ReadConfig` for text that is neither UTF-8 nor UTF-16, `Parse` for bad
/// YAML or fields of the wrong type.
pub fn parse_kubeconfig(bytes: &[u8], dir: Option<&Path>) -> Result<Kubeconfig, KubeconfigError> {
    let text = decode_text(bytes).map_err(|e| {
        KubeconfigError::ReadConfig(e, dir.map(Path::to_path_buf).unwrap_or_default())
    })?;
    let mut kc = Kubeconfig::from_yaml(&text)?;
    if let Some(dir) = dir {
        for cluster in kc.clusters.iter_mut().filter_map(|c| c.cluster.as_mut()) {
            absolute(dir, &mut cluster.certificate_authority);
        }
        for user in kc
            .auth_infos
            .iter_mut()
            .filter_map(|u| u.auth_info.as_mut())
        {
            absolute(dir, &mut user.client_certificate);
            absolute(dir, &mut user.client_key);
            absolute(dir, &mut user.token_file);
            if let Some(exec) = &mut user.exec
                && exec
                    .command
                    .as_deref()
                    .is_some_and(|c| c.contains(std::path::MAIN_SEPARATOR))
            {
                absolute(dir, &mut exec.command);
            }
        }
    }
    Ok(kc)
}

fn absolute(dir: &Path, file: &mut Option<String>) {
    if let Some(path) = file.as_deref()
        && Path::new(path).is_relative()
        && let Some(joined) = dir.join(path).to_str()
    {
        *file = Some(joined.to_string());
    }
}

/// UTF-8, or UTF-16 LE/BE after a byte-order mark (Windows editors write those).
fn decode_text(bytes: &[u8]) -> std::io::Result<String> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| from([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16(&units).map_err(|_| invalid("invalid UTF-16"))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| invalid("not UTF-8 text")),
    }
}

/// serde-saphyr appends or prefixes the position; we print it ourselves.
fn strip_location(reason: &str) -> String {
    let line = one_line(reason);
    let line = match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line,
    };
    line.trim_start_matches("error: ").to_string()
}

/// Parser messages may quote a scalar of the file; long quoted values (possibly a token or key
/// data in the wrong place) are elided so no secret reaches the terminal.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('"');
        if i % 2 == 0 && part.len() > 24 {
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A kube config error as one line without data from the file.
fn kube_reason(e: &KubeconfigError) -> String {
    one_line(&e.to_string())
}

fn select(
    kc: Kubeconfig,
    args: &ClusterArgs,
    namespace: Option<&str>,
    sources: &str,
    origins: &Origins,
) -> Result<(ContextInfo, kube::Config), ClusterError> {
    let known: Vec<String> = kc.contexts.iter().map(|c| c.name.clone()).collect();
    let (name, from_flag) = match (&args.context, &kc.current_context) {
        (Some(c), _) => (c.clone(), true),
        (None, Some(c)) if !c.is_empty() => (c.clone(), false),
        _ => {
            return Err(ClusterError::NoCurrentContext {
                sources: sources.to_string(),
                known,
            });
        }
    };
    let Some(ctx) = kc
        .contexts
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.context.clone())
    else {
        return Err(ClusterError::UnknownContext {
            name,
            from_flag,
            sources: sources.to_string(),
            known,
        });
    };
    let invalid = |reason: String| ClusterError::InvalidKubeconfig {
        sources: sources.to_string(),
        reason,
    };
    let ctx = ctx.ok_or_else(|| invalid(format!("context \"{name}\" is empty")))?;
    let cluster_name = ctx.cluster.clone();
    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| {
            invalid(format!(
                "context \"{name}\" refers to cluster \"{cluster_name}\", which is not defined"
            ))
        })?;
    let server = cluster
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("cluster \"{cluster_name}\" has no server URL")))?;
    let user = ctx.user.clone().unwrap_or_default();
    // Every value kubectl would read is checked here, where the file that set it is known, so
    // that a bad one is reported as `FILE: user "x": FIELD: why` before any connection.
    let cluster_file = Origins::of(&origins.clusters, &cluster_name, sources);
    let cluster_entry = format!("cluster \"{cluster_name}\"");
    match server.parse::<http::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("https" | "http")) && uri.host().is_some() => {}
        Ok(_) => {
            return Err(field_error(
                cluster_file,
                &cluster_entry,
                "server",
                &format!("\"{server}\" is not an https:// URL"),
            ));
        }
        Err(e) => {
            return Err(field_error(
                cluster_file,
                &cluster_entry,
                "server",
                &format!("\"{server}\" is not a URL ({e})"),
            ));
        }
    }
    cluster_roots(&cluster)
        .map_err(|(field, why)| field_error(cluster_file.clone(), &cluster_entry, field, &why))?;
    if let Some(auth) = kc
        .auth_infos
        .iter()
        .find(|u| u.name == user)
        .and_then(|u| u.auth_info.as_ref())
    {
        let user_file = Origins::of(&origins.users, &user, sources);
        let user_entry = format!("user \"{user}\"");
        user_identity(auth)
            .map_err(|(field, why)| field_error(user_file.clone(), &user_entry, field, &why))?;
        if auth.token.is_none()
            && let Some(path) = auth.token_file.as_deref().filter(|p| !p.is_empty())
        {
            // Readable, bounded, not empty: podwiz reads it again while it runs
            // (super::credentials, as client-go: projected tokens rotate).
            super::credentials::read_token_file(Path::new(path))
                .map_err(|why| field_error(user_file.clone(), &user_entry, "tokenFile", &why))?;
        }
        // The exec entry, checked as podwiz will run it (when it is the user's credential).
        super::credentials::source_of(
            auth,
            super::credentials::TOKEN_FILE_PERIOD,
            super::credentials::EXEC_TIMEOUT,
        )
        .map_err(|(field, why)| field_error(user_file, &user_entry, field, &why))?;
    } else if !user.is_empty() {
        return Err(invalid(format!(
            "context \"{name}\" refers to user \"{user}\", which is not defined"
        )));
    }
    let namespace = namespace
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| ctx.namespace.clone().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "default".to_string());

    let options = KubeConfigOptions {
        context: Some(name.clone()),
        cluster: None,
        user: None,
    };
    // `from_custom_kubeconfig` is async only in signature: it reads nothing and never waits.
    let mut config =
        futures::executor::block_on(kube::Config::from_custom_kubeconfig(kc, &options))
            .map_err(|e| invalid(format!("context \"{name}\": {}", kube_reason(&e))))?;
    config.default_namespace = namespace.clone();
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    // kube is built without proxy support: a proxy taken from HTTPS_PROXY would make every
    // client fail to build. Connect directly unless the kubeconfig itself names a proxy.
    if cluster.proxy_url.as_deref().is_none_or(str::is_empty) {
        config.proxy_url = None;
    }
    Ok((
        ContextInfo {
            context: name,
            cluster: cluster_name,
            server,
            user,
            namespace,
        },
        config,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_kubeconfig_resolves_relative_references_like_kube() {
        let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster: {server: 'https://h', certificate-authority: ca.crt}\nusers:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n    client-key: /abs/u.key\n    tokenFile: token\n    exec: {command: ./bin/cred, apiVersion: client.authentication.k8s.io/v1}\n- name: v\n  user:\n    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}\n";
        let kc = parse_kubeconfig(text.as_bytes(), Some(Path::new("/home/me/.kube")))
            .expect("kubeconfig");
        let cluster = kc.clusters[0].cluster.as_ref().expect("cluster");
        assert_eq!(
            cluster.certificate_authority.as_deref(),
            Some("/home/me/.kube/ca.crt")
        );
        let user = kc.auth_infos[0].auth_info.as_ref().expect("user");
        assert_eq!(
            user.client_certificate.as_deref(),
            Some("/home/me/.kube/certs/u.crt")
        );
        assert_eq!(user.client_key.as_deref(), Some("/abs/u.key"));
        assert_eq!(user.token_file.as_deref(), Some("/home/me/.kube/token"));
        let exec = user.exec.as_ref().and_then(|e| e.command.as_deref());
        assert_eq!(exec, Some("/home/me/.kube/./bin/cred"));
        // A bare command is looked up in PATH, as client-go does.
        let bare = kc.auth_infos[1]
            .auth_info
            .as_ref()
            .and_then(|u| u.exec.as_ref());
        assert_eq!(bare.and_then(|e| e.command.as_deref()), Some("aws"));
        // The same file through kube's own reader gives the same kubeconfig.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config");
        std::fs::write(&path, text).expect("write");
        let theirs = Kubeconfig::read_from(&path).expect("kube reads it");
        let ours = parse_kubeconfig(text.as_bytes(), Some(dir.path())).expect("we read it");
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    #[test]
    fn parse_kubeconfig_reads_utf16_and_refuses_binary() {
        let text = "apiVersion: v1\nkind: Config\ncurrent-context: c\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for bytes in [le, be] {
            let kc = parse_kubeconfig(&bytes, None).expect("utf-16 kubeconfig");
            assert_eq!(kc.current_context.as_deref(), Some("c"));
        }
        let err = parse_kubeconfig(&[0x80, 0x00, 0xC3], None).expect_err("binary");
        assert!(matches!(err, KubeconfigError::ReadConfig(..)), "{err}");
    }

    #[test]
    fn redacts_long_quoted_values() {
        assert_eq!(
            redact(r#"invalid type: string "abcdefghijklmnopqrstuvwxyz0123", expected a map"#),
            r#"invalid type: string "…", expected a map"#
        );
        assert_eq!(redact(r#"unknown "x""#), r#"unknown "x""#);
    }

    #[test]
    fn missing_kubeconfig_env_files_are_skipped_but_not_all() {
        let env = OsString::from("/nonexistent/a:/nonexistent/b");
        let err = kubeconfig_files(&ClusterArgs::default(), Some(&env), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no kubeconfig found: tried /nonexistent/a, /nonexistent/b (from KUBECONFIG)"
        );
    }
}
