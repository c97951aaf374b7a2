//! `podwiz apply ... --verify`: prove on the user's cluster that the applied pod runs Podman.
//!
//! 1. Wait for the Pod to be Running, watching the Pod and its Events (no polling loop): every
//!    phase change and every event (FailedScheduling with the scheduler's message, Pulling,
//!    ImagePullBackOff, ...) is sent as it arrives, with the elapsed time; a heartbeat every
//!    [`HEARTBEAT`] keeps the elapsed time visible while nothing happens.
//! 2. Exec into the Pod (the `ws` feature of kube) and run [`smoke_script`]: it needs no
//!    registry. It builds a one-layer rootfs from the pod's own `true` and `cat` and the
//!    libraries `ldd` lists, `podman import`s it (proves storage) and `podman run --rm
//!    --network=none`s it (proves a container start; it prints the container's uid_map, and
//!    rootless Podman first maps its subordinate ids with `podman unshare`: user namespaces).
//!    Mode `remote` runs the same through `podman --remote`. `--verify-image IMAGE` adds a
//!    pull and a run of IMAGE.
//! 3. On failure the error is the runtime's own text, diagnosed by
//!    [`crate::security::troubleshoot`] (cause, fix, the mode that avoids it).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, AttachParams, ListParams, WatchEvent, WatchParams};
use serde::Serialize;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc::UnboundedSender;

use super::Connection;
use super::apply::{ApplyPlan, PodStatus};
use super::error::one_line;
use crate::scenario::{Mode, Object};
use crate::security::assets::label;
use crate::security::{Diagnosis, diagnose, explain_choice};

/// How often a "still waiting" line shows the elapsed time while nothing else happens.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// How long `--verify` waits for Running by default: the first pull of the Podman image
/// (hundreds of MB) can take minutes.
pub const VERIFY_WAIT: Duration = Duration::from_secs(300);

/// The smoke test's upper bound once the pod runs (a `--verify-image` pull counts too).
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(300);

/// The tag the smoke test imports its one-file image as (removed at the end).
pub const SMOKE_TAG: &str = "localhost/podwiz-verify:smoke";

/// The marker lines the smoke script prints before each step and at the end.
const STEP_MARK: &str = "podwiz-verify: step ";
const DONE_MARK: &str = "podwiz-verify: done";

/// Container waiting reasons that do not heal by waiting longer: verification fails at once.
const STUCK_REASONS: [&str; 7] = [
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// Which pod and container to verify, and how Podman is reached in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyTarget {
    pub namespace: String,
    pub pod: String,
    /// The first container: the one running Podman.
    pub container: String,
    /// `podman --remote` (mode remote: Podman runs on the node).
    pub remote: bool,
}

impl VerifyTarget {
    /// The Pod of an apply plan (None: the plan has no Pod).
    pub fn of(plan: &ApplyPlan) -> Option<VerifyTarget> {
        let Object::Pod(pod) = &plan.objects[plan.pod_index()?] else {
            return None;
        };
        let container = pod.spec.as_ref()?.containers.first()?.name.clone();
        Some(VerifyTarget {
            namespace: pod
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| plan.namespace.clone()),
            pod: pod.metadata.name.clone()?,
            container,
            remote: plan.mode == Mode::Remote,
        })
    }
}

#[derive(Clone)]
pub struct VerifyOptions {
    /// A client for the exec (WebSocket over an HTTP/1.1 upgrade), when the connection's own
    /// transport speaks HTTP/2 only (it then answers "Upgrade request required").
    pub exec_client: Option<kube::Client>,
    /// How long to wait for Running.
    pub wait: Duration,
    /// `--verify-image`: also pull and run this image.
    pub image: Option<String>,
    /// Upper bound of the smoke test (see [`EXEC_TIMEOUT`]).
    pub exec_timeout: Duration,
}

/// Progress of a verification; `elapsed` counts from [`verify`]'s start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum VerifyEvent {
    /// The Pod's phase or waiting reason changed.
    Phase {
        elapsed: Duration,
        status: PodStatus,
    },
    /// An Event about the Pod (already one line, see [`event_line`]).
    PodEvent {
        elapsed: Duration,
        warning: bool,
        line: String,
    },
    /// Nothing happened for [`HEARTBEAT`].
    StillWaiting { elapsed: Duration, phase: String },
    /// The Pod runs: the smoke test starts.
    Running { elapsed: Duration },
    /// A step of the smoke script started (`identity`, `info`, `userns`, `rootfs`, `import`,
    /// `run`, `pull`, `image-run`).
    Step { elapsed: Duration, step: String },
    /// A line the smoke script printed.
    Output { elapsed: Duration, line: String },
}

/// Where verification stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedAt {
    /// The Pod did not reach Running.
    NotRunning,
    /// The exec itself failed (no connection to the kubelet, no shell in the image, ...).
    Exec,
    /// A step of the smoke script failed.
    Step(String),
}

/// A failed verification: the error as the cluster or the runtime printed it, and podwiz's
/// diagnosis of it, if it knows the error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    pub at: FailedAt,
    pub error: String,
    pub diagnosis: Option<Diagnosis>,
}

impl VerifyFailure {
    fn new(at: FailedAt, error: String) -> VerifyFailure {
        let diagnosis = diagnose(&error);
        VerifyFailure {
            at,
            error,
            diagnosis,
        }
    }

    /// `the pod did not reach Running`, `step run failed`, ...
    pub fn headline(&self) -> String {
        match &self.at {
            FailedAt::NotRunning => "the pod did not reach Running".to_string(),
            FailedAt::Exec => "could not run the smoke test in the pod".to_string(),
            FailedAt::Step(step) => format!("smoke test step \"{step}\" failed"),
        }
    }
}

/// The result of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// From the start of [`verify`] to Running (None: never ran).
    pub running_after: Option<Duration>,
    /// From the start of [`verify`] to its end.
    pub elapsed: Duration,
    /// The smoke steps that completed, in order.
    pub steps: Vec<String>,
    /// None: verified.
    pub failure: Option<VerifyFailure>,
}

impl VerifyReport {
    pub fn verified(&self) -> bool {
        self.failure.is_none()
    }
}

impl std::fmt::Debug for VerifyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("wait", &self.wait)
            .field("image", &self.image)
            .field("exec_timeout", &self.exec_timeout)
            .finish_non_exhaustive()
    }
}

impl PartialEq for VerifyOptions {
    fn eq(&self, other: &Self) -> bool {
        (&self.wait, &self.image, &self.exec_timeout)
            == (&other.wait, &other.image, &other.exec_timeout)
    }
}

impl VerifyEvent {
    /// One progress line: `  [   3.2s] event Warning FailedScheduling: ...`; a smoke-script
    /// output line is indented under its step.
    pub fn line(&self) -> String {
        let at = |d: &Duration| format!("  [{:>7}]", seconds(*d));
        match self {
            VerifyEvent::Phase { elapsed, status } => {
                format!("{} pod {}", at(elapsed), status.describe())
            }
            VerifyEvent::PodEvent { elapsed, line, .. } => format!("{} event {line}", at(elapsed)),
            VerifyEvent::StillWaiting { elapsed, phase } => {
                format!("{} still waiting ({phase})", at(elapsed))
            }
            VerifyEvent::Running { elapsed } => {
                format!("{} pod Running: smoke test starts", at(elapsed))
            }
            VerifyEvent::Step { elapsed, step } => format!("{} step {step}", at(elapsed)),
            VerifyEvent::Output { line, .. } => format!("              {line}"),
        }
    }
}

impl VerifyReport {
    /// The result as lines: `Verified: ...`, or `NOT VERIFIED ...`, the error exactly as the
    /// cluster or the runtime printed it, then podwiz's diagnosis (cause, fix, what avoids it).
    pub fn summary(&self, target: &VerifyTarget) -> Vec<String> {
        let Some(failure) = &self.failure else {
            return vec![format!(
                "Verified: Podman imported and ran a container in pod/{} after {} (Running after {}); steps: {}.",
                target.pod,
                seconds(self.elapsed),
                self.running_after.map(seconds).unwrap_or_default(),
                self.steps.join(", ")
            )];
        };
        let mut out = vec![
            format!(
                "NOT VERIFIED after {}: {}.",
                seconds(self.elapsed),
                failure.headline()
            ),
            "Error (as printed by the cluster or the runtime):".to_string(),
        ];
        out.extend(failure.error.lines().map(|l| format!("  {l}")));
        match &failure.diagnosis {
            Some(d) => {
                out.push(format!("podwiz's diagnosis [{}]:", d.id));
                out.push(format!("  {}: {}", label("troubleshoot_cause"), d.cause));
                out.push(format!("  {}: {}", label("troubleshoot_fix"), d.fix));
                if !d.avoided_by.is_empty() {
                    out.push(format!("  {}:", label("troubleshoot_avoided_by")));
                    for key in &d.avoided_by {
                        let title = explain_choice(key).map(|e| e.title.as_str()).unwrap_or("");
                        out.push(format!("    - {key}: {title}"));
                    }
                }
                out.push(format!("  {}: {}", label("troubleshoot_source"), d.source));
            }
            None => out.push(label("troubleshoot_unknown").to_string()),
        }
        out
    }
}

/// Why an image reference is refused for `--verify-image` (it goes into a shell script).
pub fn check_image(image: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "./:@_-".contains(c);
    if image.is_empty() || image.starts_with('-') || !image.chars().all(ok) {
        Err(format!(
            "--verify-image: \"{image}\" is not an image reference (letters, digits and . / : @ _ - only)"
        ))
    } else {
        Ok(())
    }
}

/// The `rootfs` step: `$d/rootfs.tar`, a one-layer image holding the pod's own `true` and
/// `cat` and the libraries `ldd` lists for them.
const ROOTFS_STEP: &str = r#"step rootfs
mkdir -p "$d/root/bin"
for b in true cat; do
  # A path, not `command -v`: that names the shell's builtin `true`.
  p=/usr/bin/$b
  [ -x "$p" ] || p=/bin/$b
  cp -L "$p" "$d/root/bin/$b"
  for lib in $(ldd "$p" | sed -n 's/.*[[:space:]]\(\/[^[:space:]]*\) (0x.*/\1/p'); do
    mkdir -p "$d/root$(dirname "$lib")"
    cp -L "$lib" "$d/root$lib"
  done
done
tar -C "$d/root" -cf "$d/rootfs.tar" .
"#;

/// The smoke test, as one `sh` script. Needs `sh`, `ldd`, `tar`, `mktemp` and Podman in the
/// image (quay.io/podman/stable has them). Prints [`STEP_MARK`] lines before each step and
/// [`DONE_MARK`] at the end; stderr is merged into stdout so a failing step's error follows its
/// marker. Err: `image` is not a safe image reference ([`check_image`]).
pub fn smoke_script(remote: bool, image: Option<&str>) -> Result<String, String> {
    if let Some(image) = image {
        check_image(image)?;
    }
    let podman = if remote { "podman --remote" } else { "podman" };
    let mut s = String::from(
        r#"exec 2>&1
set -eu
export PODMAN_IGNORE_CGROUPSV1_WARNING=1
d=$(mktemp -d)
trap '@PODMAN@ rmi -f @TAG@ >/dev/null 2>&1 || true; rm -rf "$d"' EXIT
step() { echo "@STEP_MARK@$1"; }
step identity
echo "uid $(id -u), uid_map: $(tr -s ' \n' ' ' </proc/self/uid_map)"
step info
@PODMAN@ info --format 'podman {{.Version.Version}}, storage {{.Store.GraphDriverName}}, rootless {{.Host.Security.Rootless}}'
"#,
    );
    if !remote {
        s.push_str(
            r#"step userns
if [ "$(id -u)" != 0 ]; then podman unshare cat /proc/self/uid_map; else echo "root: no rootless user namespace to map"; fi
"#,
        );
    }
    s.push_str(ROOTFS_STEP);
    s.push_str(
        r#"step import
@PODMAN@ import --quiet "$d/rootfs.tar" @TAG@
step run
@PODMAN@ run --rm --network=none --pull=never @TAG@ /bin/cat /proc/self/uid_map
"#,
    );
    let mut s = s
        .replace("@PODMAN@", podman)
        .replace("@TAG@", SMOKE_TAG)
        .replace("@STEP_MARK@", STEP_MARK);
    // The image goes in after the placeholders are filled: it may hold an `@`.
    if let Some(image) = image {
        s.push_str(&format!(
            "step pull\n{podman} pull {image}\nstep image-run\n{podman} run --rm --network=none {image} true\n"
        ));
    }
    s.push_str(&format!("echo \"{DONE_MARK}\"\n"));
    Ok(s)
}

/// One line for an Event: `Warning FailedScheduling: 0/1 nodes are available: ... (x3)`.
pub fn event_line(event: &Event) -> String {
    let kind = event.type_.as_deref().unwrap_or("Normal");
    let reason = event.reason.as_deref().unwrap_or("");
    let message = one_line(event.message.as_deref().unwrap_or(""));
    let count = event.count.filter(|c| *c > 1);
    let mut line = format!("{kind} {reason}");
    if !message.is_empty() {
        line.push_str(": ");
        line.push_str(&message);
    }
    if let Some(count) = count {
        line.push_str(&format!(" (x{count})"));
    }
    line
}

/// Seconds with one decimal: `12.3s`.
pub fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Parses the smoke script's output: the completed steps, the step running when it stopped,
/// the lines that step printed, and whether it reached the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmokeTranscript {
    pub completed: Vec<String>,
    pub current: Option<String>,
    pub current_output: Vec<String>,
    pub done: bool,
}

impl SmokeTranscript {
    /// Feeds one line; returns the step name when the line starts a step.
    pub fn feed(&mut self, line: &str) -> Option<String> {
        if let Some(step) = line.strip_prefix(STEP_MARK) {
            if let Some(previous) = self.current.take() {
                self.completed.push(previous);
            }
            self.current = Some(step.trim().to_string());
            self.current_output.clear();
            return self.current.clone();
        }
        if line.trim() == DONE_MARK {
            if let Some(previous) = self.current.take() {
                self.completed.push(previous);
            }
            self.current_output.clear();
            self.done = true;
            return None;
        }
        self.current_output.push(line.to_string());
        None
    }

    /// The failing step's own lines, without Podman's harmless warnings.
    pub fn error_text(&self) -> String {
        let lines: Vec<&str> = self
            .current_output
            .iter()
            .map(String::as_str)
            .filter(|l| !is_noise(l))
            .collect();
        lines.join("\n").trim().to_string()
    }
}

/// Lines that are not the error: "/" not a shared mount (podman #15370), cgroup v1 deprecation.
fn is_noise(line: &str) -> bool {
    line.contains("is not a shared mount") || line.contains("cgroups-v1 which is deprecated")
}

/// Verifies `target` (see the module docs). Progress goes to `progress`; never fails itself:
/// every problem ends up in [`VerifyReport::failure`].
pub async fn verify(
    conn: &Connection,
    target: &VerifyTarget,
    opts: &VerifyOptions,
    progress: UnboundedSender<VerifyEvent>,
) -> VerifyReport {
    let start = Instant::now();
    let send = |event: VerifyEvent| {
        let _ = progress.send(event);
    };
    let running = wait_running(conn, target, opts.wait, start, &send).await;
    let running_after = match running {
        Ok(()) => start.elapsed(),
        Err(failure) => {
            return VerifyReport {
                running_after: None,
                elapsed: start.elapsed(),
                steps: Vec::new(),
                failure: Some(failure),
            };
        }
    };
    send(VerifyEvent::Running {
        elapsed: running_after,
    });
    let (steps, failure) = match tokio::time::timeout(
        opts.exec_timeout,
        smoke(
            conn,
            opts.exec_client.as_ref(),
            target,
            opts.image.as_deref(),
            start,
            &send,
        ),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => (
            Vec::new(),
            Some(VerifyFailure::new(
                FailedAt::Exec,
                format!(
                    "the smoke test did not finish within {} s",
                    opts.exec_timeout.as_secs()
                ),
            )),
        ),
    };
    VerifyReport {
        running_after: Some(running_after),
        elapsed: start.elapsed(),
        steps,
        failure,
    }
}

/// Why a status means the pod will not run by itself (phase Failed, a stuck container).
fn stuck(status: &PodStatus) -> Option<String> {
    if matches!(status.phase.as_str(), "Failed" | "Succeeded" | "Deleted") {
        return Some(status.describe());
    }
    let detail = status.detail.as_deref()?;
    STUCK_REASONS
        .iter()
        .any(|r| detail.contains(r))
        .then(|| detail.to_string())
}

async fn wait_running(
    conn: &Connection,
    target: &VerifyTarget,
    wait: Duration,
    start: Instant,
    send: &impl Fn(VerifyEvent),
) -> Result<(), VerifyFailure> {
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &target.namespace);
    let events: Api<Event> = Api::namespaced(conn.client.clone(), &target.namespace);
    let deadline = tokio::time::Instant::from_std(start + wait);
    let fail = |error: String| VerifyFailure::new(FailedAt::NotRunning, error);
    let request_error = |e: kube::Error, verb: &str, resource: &str| {
        fail(
            conn.error(e, verb, resource, Some(&target.namespace))
                .to_string(),
        )
    };

    let pod = pods
        .get(&target.pod)
        .await
        .map_err(|e| request_error(e, "get", "pods"))?;
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let mut last_status = PodStatus::of(&pod);
    let mut seen_events: BTreeSet<(String, i32)> = BTreeSet::new();
    // The scheduler's (or kubelet's) last warning: the error when the wait runs out.
    let mut last_warning: Option<(String, String)> = None;

    let mut on_event = |event: &Event, seen: &mut BTreeSet<(String, i32)>| {
        let key = (
            event.metadata.name.clone().unwrap_or_default(),
            event.count.unwrap_or(1),
        );
        if !seen.insert(key) {
            return;
        }
        let warning = event.type_.as_deref() == Some("Warning");
        let line = event_line(event);
        if warning {
            let message = one_line(event.message.as_deref().unwrap_or(""));
            last_warning = Some((line.clone(), message));
        }
        send(VerifyEvent::PodEvent {
            elapsed: start.elapsed(),
            warning,
            line,
        });
    };

    let event_fields = format!("involvedObject.kind=Pod,involvedObject.uid={uid}");
    // Events so far (the apply may have waited already).
    let listed = events
        .list(&ListParams::default().fields(&event_fields))
        .await
        .map_err(|e| request_error(e, "list", "events"))?;
    let mut event_rv = listed.metadata.resource_version.clone().unwrap_or_default();
    let mut sorted = listed.items;
    sorted.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0));
    for e in &sorted {
        on_event(e, &mut seen_events);
    }
    send(VerifyEvent::Phase {
        elapsed: start.elapsed(),
        status: last_status.clone(),
    });
    if last_status.phase == "Running" {
        return Ok(());
    }
    if let Some(why) = stuck(&last_status) {
        return Err(fail(why));
    }

    let mut pod_rv = pod.metadata.resource_version.clone().unwrap_or_default();
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let mut last_news = Instant::now();
    loop {
        let pod_params = WatchParams::default()
            .fields(&format!("metadata.name={}", target.pod))
            .timeout(290);
        let event_params = WatchParams::default().fields(&event_fields).timeout(290);
        let (pod_stream, event_stream) = match tokio::time::timeout_at(deadline, async {
            tokio::try_join!(
                pods.watch(&pod_params, &pod_rv),
                events.watch(&event_params, &event_rv)
            )
        })
        .await
        {
            Err(_) => break,
            Ok(Err(e)) => return Err(request_error(e, "watch", "pods")),
            Ok(Ok(streams)) => streams,
        };
        let mut pod_stream = pod_stream.boxed();
        let mut event_stream = event_stream.boxed();
        // Ends when a watch ends or errs (then both are re-established from the last
        // resourceVersion), or when the deadline passes.
        let restart = loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break false,
                _ = heartbeat.tick() => {
                    if last_news.elapsed() >= HEARTBEAT {
                        send(VerifyEvent::StillWaiting {
                            elapsed: start.elapsed(),
                            phase: last_status.describe(),
                        });
                    }
                }
                item = pod_stream.next() => match item {
                    Some(Ok(WatchEvent::Added(p) | WatchEvent::Modified(p))) => {
                        if let Some(rv) = p.metadata.resource_version.clone() {
                            pod_rv = rv;
                        }
                        let status = PodStatus::of(&p);
                        if status != last_status {
                            last_status = status.clone();
                            last_news = Instant::now();
                            send(VerifyEvent::Phase { elapsed: start.elapsed(), status: status.clone() });
                        }
                        if status.phase == "Running" {
                            return Ok(());
                        }
                        if let Some(why) = stuck(&status) {
                            return Err(fail(why));
                        }
                    }
                    Some(Ok(WatchEvent::Deleted(_))) => {
                        return Err(fail(format!("pod {} was deleted", target.pod)));
                    }
                    Some(Ok(WatchEvent::Bookmark(b))) => pod_rv = b.metadata.resource_version,
                    // 410 Gone: the resourceVersion is too old; GET again.
                    Some(Ok(WatchEvent::Error(_))) => {
                        let p = pods.get(&target.pod).await.map_err(|e| request_error(e, "get", "pods"))?;
                        pod_rv = p.metadata.resource_version.clone().unwrap_or_default();
                        break true;
                    }
                    Some(Err(_)) | None => break true,
                },
                item = event_stream.next() => match item {
                    Some(Ok(WatchEvent::Added(e) | WatchEvent::Modified(e))) => {
                        if let Some(rv) = e.metadata.resource_version.clone() {
                            event_rv = rv;
                        }
                        last_news = Instant::now();
                        on_event(&e, &mut seen_events);
                    }
                    Some(Ok(WatchEvent::Bookmark(b))) => event_rv = b.metadata.resource_version,
                    Some(Ok(WatchEvent::Error(_))) => {
                        let listed = events
                            .list(&ListParams::default().fields(&event_fields))
                            .await
                            .map_err(|e| request_error(e, "list", "events"))?;
                        event_rv = listed.metadata.resource_version.clone().unwrap_or_default();
                        for e in &listed.items {
                            on_event(e, &mut seen_events);
                        }
                        break true;
                    }
                    Some(Ok(WatchEvent::Deleted(_))) => {}
                    Some(Err(_)) | None => break true,
                },
            }
        };
        if !restart {
            break;
        }
        // A watch that ends at once (a proxy cutting it) must not spin.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let last_status = PodStatus {
        final_: true,
        timed_out: true,
        ..last_status
    };
    let mut error = format!(
        "not Running after {} s: {}",
        wait.as_secs(),
        last_status.describe()
    );
    // The scheduler's message is often the pod's condition too: say it once.
    if let Some((line, message)) = last_warning
        && !error.contains(&message)
    {
        error.push_str(&format!("; last warning: {line}"));
    }
    Err(fail(error))
}

/// Runs the smoke script in the pod; the completed steps and the failure, if any.
async fn smoke(
    conn: &Connection,
    exec_client: Option<&kube::Client>,
    target: &VerifyTarget,
    image: Option<&str>,
    start: Instant,
    send: &impl Fn(VerifyEvent),
) -> (Vec<String>, Option<VerifyFailure>) {
    let script = match smoke_script(target.remote, image) {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Some(VerifyFailure::new(FailedAt::Exec, e))),
    };
    let params = AttachParams::default()
        .container(target.container.clone())
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let exec_error = |e: String| (Vec::new(), Some(VerifyFailure::new(FailedAt::Exec, e)));
    // kube's own client speaks HTTP/1.1 and can upgrade to the exec's WebSocket; the
    // connection's HTTP/2 client cannot. Both front doors come through here.
    let client = match exec_client {
        Some(client) => client.clone(),
        None => conn.upgrade_client.clone(),
    };
    let pods: Api<Pod> = Api::namespaced(client, &target.namespace);
    let mut attached = match pods.exec(&target.pod, ["sh", "-c", &script], &params).await {
        Ok(a) => a,
        Err(e) => {
            return exec_error(
                conn.error(e, "exec", "pods", Some(&target.namespace))
                    .to_string(),
            );
        }
    };
    let status = attached.take_status();
    let mut transcript = SmokeTranscript::default();
    if let Some(stdout) = attached.stdout() {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            match transcript.feed(&line) {
                Some(step) => send(VerifyEvent::Step {
                    elapsed: start.elapsed(),
                    step,
                }),
                None if transcript.done => {}
                None => send(VerifyEvent::Output {
                    elapsed: start.elapsed(),
                    line,
                }),
            }
        }
    }
    let status = match status {
        Some(s) => s.await,
        None => None,
    };
    let _ = attached.join().await;
    let failed = status
        .as_ref()
        .is_some_and(|s| s.status.as_deref() == Some("Failure"));
    if transcript.done && !failed {
        return (transcript.completed, None);
    }
    let step = transcript.current.clone();
    let mut error = transcript.error_text();
    if error.is_empty() {
        error = status
            .and_then(|s| s.message)
            .unwrap_or_else(|| "the smoke test ended without a result".to_string());
    }
    let at = match step {
        Some(step) => FailedAt::Step(step),
        None => FailedAt::Exec,
    };
    (transcript.completed, Some(VerifyFailure::new(at, error)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ObjectReference;
    use kube::api::ObjectMeta;

    fn event(type_: &str, reason: &str, message: &str, count: Option<i32>) -> Event {
        Event {
            metadata: ObjectMeta {
                name: Some("p.1".into()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference::default(),
            type_: Some(type_.into()),
            reason: Some(reason.into()),
            message: Some(message.into()),
            count,
            ..Event::default()
        }
    }

    #[test]
    fn events_are_one_line_with_type_reason_message_and_count() {
        assert_eq!(
            event_line(&event(
                "Warning",
                "FailedScheduling",
                "0/1 nodes are available: 1 Insufficient github.com/fuse.\npreemption: 0/1 nodes are available.",
                Some(3)
            )),
            "Warning FailedScheduling: 0/1 nodes are available: 1 Insufficient github.com/fuse. preemption: 0/1 nodes are available. (x3)"
        );
        assert_eq!(
            event_line(&event("Normal", "Pulled", "", Some(1))),
            "Normal Pulled"
        );
        assert_eq!(seconds(Duration::from_millis(12_345)), "12.3s");
    }

    fn sh_syntax_ok(script: &str) {
        let out = std::process::Command::new("sh")
            .args(["-n", "-c", script])
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{}\n{script}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn the_smoke_script_is_valid_sh_and_needs_no_registry() {
        let local = smoke_script(false, None).expect("script");
        sh_syntax_ok(&local);
        for needle in [
            "podman import --quiet",
            "podman run --rm --network=none --pull=never localhost/podwiz-verify:smoke /bin/cat /proc/self/uid_map",
            "podman unshare cat /proc/self/uid_map",
            "ldd",
            "\nstep import\n",
            "echo \"podwiz-verify: step $1\"",
            "echo \"podwiz-verify: done\"",
            "export PODMAN_IGNORE_CGROUPSV1_WARNING=1",
        ] {
            assert!(local.contains(needle), "{needle}\n{local}");
        }
        assert!(!local.contains("pull "), "no pull without --verify-image");
        assert!(!local.contains("--remote"));

        let remote = smoke_script(true, Some("docker.io/library/busybox:1.37")).expect("script");
        sh_syntax_ok(&remote);
        assert!(remote.contains("podman --remote import"));
        assert!(remote.contains("podman --remote run --rm --network=none --pull=never"));
        assert!(
            !remote.contains("unshare"),
            "no rootless mapping through the socket"
        );
        assert!(remote.contains("podman --remote pull docker.io/library/busybox:1.37"));
        assert!(remote.contains("run --rm --network=none docker.io/library/busybox:1.37 true"));
    }

    #[test]
    fn the_rootfs_step_packs_true_cat_and_their_libraries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = format!(
            "set -eu\nstep() {{ :; }}\nd={}\n{ROOTFS_STEP}tar -tf \"$d/rootfs.tar\"\n",
            dir.path().display()
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .expect("sh");
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{listing}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for wanted in ["./bin/true", "./bin/cat", "libc.so"] {
            assert!(listing.contains(wanted), "{wanted}: {listing}");
        }
    }

    #[test]
    fn image_references_that_could_break_the_script_are_refused() {
        for bad in ["", "-v", "busybox; rm -rf /", "a b", "$(id)", "x`y`", "x'y"] {
            assert!(smoke_script(false, Some(bad)).is_err(), "{bad:?}");
        }
        for good in [
            "busybox",
            "quay.io/podman/stable:v5.4",
            "r.example/x@sha256:abc",
        ] {
            assert!(check_image(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_transcript_names_the_failing_step_and_its_error() {
        let mut t = SmokeTranscript::default();
        assert_eq!(
            t.feed("podwiz-verify: step identity"),
            Some("identity".into())
        );
        assert_eq!(t.feed("uid 1000, uid_map: 0 1000 1"), None);
        assert_eq!(t.feed("podwiz-verify: step import"), Some("import".into()));
        t.feed("WARN[0000] \"/\" is not a shared mount, this could cause issues");
        t.feed("Error: writing blob: fuse: device not found, try 'modprobe fuse' first");
        assert_eq!(t.completed, ["identity"]);
        assert_eq!(t.current.as_deref(), Some("import"));
        assert!(!t.done);
        assert_eq!(
            t.error_text(),
            "Error: writing blob: fuse: device not found, try 'modprobe fuse' first"
        );
        let failure = VerifyFailure::new(FailedAt::Step("import".into()), t.error_text());
        assert_eq!(
            failure.diagnosis.map(|d| d.id).as_deref(),
            Some("fuse-device-not-found")
        );
        assert_eq!(failure.at, FailedAt::Step("import".into()));

        let mut ok = SmokeTranscript::default();
        for line in [
            "podwiz-verify: step run",
            "0 0 4294967295",
            "podwiz-verify: done",
        ] {
            ok.feed(line);
        }
        assert!(ok.done);
        assert_eq!(ok.completed, ["run"]);
    }

    #[test]
    fn stuck_containers_and_ended_pods_fail_at_once() {
        let status = |phase: &str, detail: Option<&str>| PodStatus {
            phase: phase.into(),
            node: Some("n1".into()),
            detail: detail.map(str::to_string),
            final_: false,
            timed_out: false,
        };
        assert!(
            stuck(&status(
                "Pending",
                Some("container podman: ImagePullBackOff: Back-off pulling image")
            ))
            .is_some()
        );
        assert!(stuck(&status("Failed", None)).is_some());
        assert!(
            stuck(&status(
                "Pending",
                Some("container podman: ErrImagePull: timeout")
            ))
            .is_none()
        );
        assert!(
            stuck(&status(
                "Pending",
                Some("not scheduled: 0/1 nodes are available")
            ))
            .is_none()
        );
        assert!(stuck(&status("Pending", None)).is_none());
    }
}
