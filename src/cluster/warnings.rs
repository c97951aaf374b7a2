//! A tower layer that collects the HTTP `Warning` headers of every API response (Pod Security
//! "would violate ..." warnings, deprecations), which kube itself drops.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

/// The warnings received so far, shared between the layer and its readers.
#[derive(Clone, Debug, Default)]
pub struct WarningLog {
    inner: Arc<Mutex<Vec<String>>>,
}

impl WarningLog {
    pub fn new() -> WarningLog {
        WarningLog::default()
    }

    /// Removes and returns the warnings collected so far, oldest first.
    pub fn take(&self) -> Vec<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *guard)
    }

    /// The warnings collected so far, without removing them.
    pub fn peek(&self) -> Vec<String> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn push(&self, warning: String) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(warning);
    }

    /// The layer to add to a `kube::client::ClientBuilder`.
    pub fn layer(&self) -> WarningLayer {
        WarningLayer { log: self.clone() }
    }
}

/// A request extension: the `Warning` headers of this request's answer go here instead of the
/// [`WarningLog`], so requests sent in parallel each get their own.
#[derive(Clone, Debug, Default)]
pub struct WarningSink {
    inner: Arc<Mutex<Vec<String>>>,
}

impl WarningSink {
    /// Removes and returns the warnings collected so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn push(&self, warning: String) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(warning);
    }
}

/// Tower layer recording `Warning` headers into a [`WarningLog`].
#[derive(Clone, Debug)]
pub struct WarningLayer {
    log: WarningLog,
}

impl WarningLayer {
    pub fn new(log: WarningLog) -> WarningLayer {
        WarningLayer { log }
    }
}

impl<S> Layer<S> for WarningLayer {
    type Service = WarningService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WarningService {
            inner,
            log: self.log.clone(),
        }
    }
}

/// The service of [`WarningLayer`].
#[derive(Clone, Debug)]
pub struct WarningService<S> {
    inner: S,
    log: WarningLog,
}

impl<S, B, RB> Service<Request<B>> for WarningService<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    RB: 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let log = self.log.clone();
        let sink = req.extensions().get::<WarningSink>().cloned();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let response = fut.await?;
            for value in response.headers().get_all(http::header::WARNING) {
                if let Ok(text) = value.to_str() {
                    for warning in parse_warning_header(text) {
                        match &sink {
                            Some(sink) => sink.push(warning),
                            None => log.push(warning),
                        }
                    }
                }
            }
            Ok(response)
        })
    }
}

/// Parses one `Warning` header value (RFC 7234 §5.5: `warn-code SP warn-agent SP warn-text
/// [SP warn-date]`, several comma-separated) into the texts, unquoted and unescaped.
/// A value that does not follow the grammar is returned as is.
pub fn parse_warning_header(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        match parse_one(rest) {
            Some((text, remaining)) => {
                out.push(text);
                rest = remaining.trim_start();
                rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out
}

/// `299 - "text" ["date"]` → (text, rest after the element).
fn parse_one(s: &str) -> Option<(String, &str)> {
    let (code, rest) = s.split_once(' ')?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_agent, rest) = rest.trim_start().split_once(' ')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, escaped) = chars.next()?;
                text.push(escaped);
            }
            '"' => {
                let mut after = rest[i + 1..].trim_start();
                // An optional quoted warn-date.
                if let Some(date) = after.strip_prefix('"') {
                    after = date.split_once('"').map(|(_, r)| r).unwrap_or("");
                }
                return Some((text, after));
            }
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_code_agent_and_quotes() {
        let v = r#"299 - "would violate PodSecurity \"restricted:latest\": privileged (container \"c\" must not set securityContext.privileged=true)""#;
        assert_eq!(
            parse_warning_header(v),
            vec![
                "would violate PodSecurity \"restricted:latest\": privileged (container \"c\" must not set securityContext.privileged=true)"
            ]
        );
    }

    #[test]
    fn several_warnings_and_dates() {
        let v = r#"299 - "a, b", 199 agent "c" "Sat, 25 Aug 2012 23:34:45 GMT""#;
        assert_eq!(parse_warning_header(v), vec!["a, b", "c"]);
    }

    #[test]
    fn malformed_is_kept() {
        assert_eq!(parse_warning_header("just text"), vec!["just text"]);
    }

    #[test]
    fn log_take_empties() {
        let log = WarningLog::new();
        log.push("x".into());
        assert_eq!(log.peek(), vec!["x"]);
        assert_eq!(log.take(), vec!["x"]);
        assert!(log.take().is_empty());
    }
}
