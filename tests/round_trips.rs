//! The requests on podwiz's critical path, counted against the real API server, so that a
//! regression (a request more in a wave, a wave more, a second connection) fails here. Time is
//! not measured (see scripts/bench-round-trips.sh for that): each request's send and answer
//! order is recorded by the transport ([`podwiz::cluster::transport::RequestTrace`]), and a
//! request sent after another was answered is one wave later.
//!
//! Round trips = 2 (TCP, then TLS 1.3 with the first flight of HTTP/2 right behind it) + waves.
//!
//! The requests go through a loopback delay proxy (20 ms each way): the requests of one wave
//! leave within a few milliseconds of each other (more in a debug build on a busy machine), so
//! without the delay a fast answer could arrive before the last request of its own wave left.

mod support;

use podwiz::cli::ClusterArgs;
use podwiz::cluster::Connection;
use podwiz::cluster::apply::{self, ApplyOptions, ApplyPlan, Outcome};
use podwiz::cluster::{client, context, doctor};
use podwiz::scenario::{self, Fuse, Mode, Options, Platform};
use support::control_plane as cp;

/// Each way, through the proxy.
const DELAY: std::time::Duration = std::time::Duration::from_millis(20);

fn delayed() -> std::path::PathBuf {
    support::delay_proxy::delayed_admin_kubeconfig(DELAY)
}

/// A connection as the CLI makes it (no probe request), through the delay proxy.
fn connection(namespace: Option<&str>) -> Connection {
    let args = ClusterArgs {
        kubeconfig: Some(delayed()),
        context: None,
    };
    let (info, config) = context::load(&args, namespace).unwrap_or_else(|e| panic!("load: {e}"));
    client::build(info, config).unwrap_or_else(|e| panic!("build: {e}"))
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{:x}", std::process::id(), nanos & 0xfffff)
}

/// Waves as `METHOD /path` lists (queries dropped: dry-run or not is in the method column).
fn waves(conn: &Connection) -> Vec<Vec<String>> {
    conn.trace
        .waves()
        .into_iter()
        .map(|w| {
            let mut w: Vec<String> = w
                .into_iter()
                .map(|l| l.split('?').next().unwrap_or_default().to_string())
                .collect();
            w.sort();
            w
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openshift_bundle_into_a_new_namespace_is_five_waves_on_one_connection() {
    let ns = unique("rt-new");
    let conn = connection(Some(&ns));
    let options = Options {
        namespace: Some(ns.clone()),
        create_namespace: true,
        platform: Some(Platform::Openshift),
        fuse: Some(Fuse::GenericDevicePlugin),
        ..Options::default()
    };
    let bundle = scenario::build(Mode::RootlessNoPriv, &options).expect("bundle");
    let plan = ApplyPlan::new(conn.info.clone(), &bundle);
    assert_eq!(plan.objects.len(), 5, "{}", plan.describe());
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let report = apply::apply(&conn, &plan, &ApplyOptions::default(), tx)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    assert!(
        report
            .objects
            .iter()
            .any(|o| o.outcome == Outcome::Created && o.reference.starts_with("namespace/")),
        "{report:?}"
    );
    eprintln!("{}", conn.trace.describe());
    assert_eq!(conn.trace.dials(), 1, "one connection");
    let waves = waves(&conn);
    let shape: Vec<usize> = waves.iter().map(Vec::len).collect();
    // 1: GET + dry-run PATCH of all five, the dry-run of the pod the DaemonSet creates, and
    // the server's version (the Pod Security prediction; the Namespace's labels come from its
    // own GET); 2: Namespace; 3: dry-run of the three objects inside it; 4: ServiceAccount,
    // RoleBinding, DaemonSet; 5: the Pod.
    assert_eq!(shape, vec![12, 1, 3, 3, 1], "{waves:#?}");
    assert!(waves[0].contains(&"GET /version".to_string()), "{waves:#?}");
    assert_eq!(
        waves[0]
            .iter()
            .filter(|r| **r == format!("GET /api/v1/namespaces/{ns}"))
            .count(),
        1,
        "the namespace is read once: {waves:#?}"
    );
    assert!(
        waves[0].contains(&"POST /api/v1/namespaces/kube-system/pods".to_string()),
        "{waves:#?}"
    );
    assert!(
        waves[1][0].starts_with("PATCH /api/v1/namespaces/"),
        "{waves:#?}"
    );
    assert!(
        waves[4][0].ends_with(&format!(
            "/pods/{}",
            bundle.pod.metadata.name.clone().unwrap_or_default()
        )),
        "{waves:#?}"
    );
    // Round trips: 2 (connection) + 5 = 7, the floor; the target is 8.
    assert!(2 + waves.len() <= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pod_into_an_existing_namespace_is_two_waves() {
    let ns = cp::fresh_namespace("rt-pod");
    let conn = connection(Some(&ns));
    let bundle = scenario::build(
        Mode::RootfulPriv,
        &Options {
            namespace: Some(ns.clone()),
            ..Options::default()
        },
    )
    .expect("bundle");
    let plan = ApplyPlan::new(conn.info.clone(), &bundle);
    assert_eq!(plan.objects.len(), 1, "{}", plan.describe());
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    apply::apply(&conn, &plan, &ApplyOptions::default(), tx)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    eprintln!("{}", conn.trace.describe());
    assert_eq!(conn.trace.dials(), 1, "one connection");
    let waves = waves(&conn);
    let shape: Vec<usize> = waves.iter().map(Vec::len).collect();
    // 1: GET (did it exist?) + dry-run, and the server's version and the namespace's labels
    // for the Pod Security prediction; 2: the write. 2 + 2 = 4 round trips (target 5).
    assert_eq!(shape, vec![4, 1], "{waves:#?}");
    for needle in [
        "GET /version".to_string(),
        format!("GET /api/v1/namespaces/{ns}"),
    ] {
        assert!(waves[0].contains(&needle), "{needle}: {waves:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_is_two_waves_on_one_connection() {
    let ns = cp::fresh_namespace("rt-doctor");
    let conn = connection(Some(&ns));
    let report = doctor::run(&conn, None)
        .await
        .unwrap_or_else(|e| panic!("doctor: {e}"));
    assert_eq!(report.modes.len(), Mode::ALL.len());
    eprintln!("{}", conn.trace.describe());
    assert_eq!(conn.trace.dials(), 1, "one connection");
    let waves = waves(&conn);
    // 1: version, API groups, nodes, the namespace, the access reviews; 2: one dry-run per
    // mode (the Pod depends on whether the cluster is OpenShift). 2 + 2 = 4 (target 5).
    assert_eq!(waves.len(), 2, "{waves:#?}");
    assert!(
        waves[1]
            .iter()
            .all(|r| r.starts_with("POST /api/v1/namespaces/")),
        "{waves:#?}"
    );
    assert_eq!(waves[1].len(), Mode::ALL.len(), "{waves:#?}");
    for needle in ["GET /version", "GET /apis", "GET /api/v1/nodes"] {
        assert!(waves[0].iter().any(|r| r == needle), "{needle}: {waves:#?}");
    }
}

/// The CLI adds nothing: `podwiz apply` sends exactly the requests of the library call, and
/// none before them (no probe), over one connection.
#[test]
fn the_cli_sends_no_probe_request() {
    let ns = cp::fresh_namespace("rt-cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(["apply", "rootful-priv", "-n", &ns, "--yes", "--wait", "0"])
        .arg("--kubeconfig")
        .arg(delayed())
        .env("PODWIZ_REQUEST_TRACE", "1")
        .output()
        .expect("run podwiz");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let trace: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("podwiz trace: "))
        .collect();
    assert_eq!(
        trace.first().copied(),
        Some("podwiz trace: connections dialed: 1"),
        "{stderr}"
    );
    let waves: Vec<&str> = trace
        .iter()
        .filter(|l| l.contains(" wave "))
        .copied()
        .collect();
    assert_eq!(waves.len(), 2, "{stderr}");
    // No probe: `/version` is read once, beside the first wave's other requests (for the Pod
    // Security prediction), not before them.
    assert_eq!(stderr.matches("GET /version").count(), 1, "{stderr}");
    assert!(
        waves[0].contains("GET /version") && waves[0].contains("dryRun=All"),
        "{stderr}"
    );
}

/// For scripts/bench-round-trips.sh: starts the control plane and a delay proxy in front of it
/// (12.5 ms each way, or `PODWIZ_BENCH_DELAY_MS`), writes `kubeconfig=`, `delayed=` (the same
/// kubeconfig with the proxy as server) and `kubectl=` to `$PODWIZ_BENCH_INFO`, then waits for
/// the script to kill it (at most `PODWIZ_BENCH_SECONDS`, default 900 s).
#[test]
#[ignore = "started by scripts/bench-round-trips.sh"]
fn bench_delay_proxy() {
    use std::time::Duration;
    let info = std::env::var("PODWIZ_BENCH_INFO").expect("PODWIZ_BENCH_INFO");
    let delay_us: u64 = std::env::var("PODWIZ_BENCH_DELAY_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12_500);
    let lifetime = Duration::from_secs(
        std::env::var("PODWIZ_BENCH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(900),
    );
    let upstream: std::net::SocketAddr = cp::server_url()
        .trim_start_matches("https://")
        .parse()
        .expect("server address");
    let proxy = support::delay_proxy::DelayProxy::start(
        upstream,
        Duration::from_micros(delay_us),
        lifetime,
    );
    let direct = cp::admin_kubeconfig_path();
    let text = std::fs::read_to_string(direct).expect("read admin kubeconfig");
    let delayed_text = text.replace(cp::server_url(), &format!("https://{}", proxy.addr));
    assert_ne!(text, delayed_text, "the server URL is in the kubeconfig");
    let delayed = cp::ControlPlane::shared()
        .run_dir()
        .join("delayed.kubeconfig");
    std::fs::write(&delayed, delayed_text).expect("write delayed kubeconfig");
    let text = format!(
        "kubeconfig={}\ndelayed={}\nkubectl={}\n",
        direct.display(),
        delayed.display(),
        cp::kubectl_path().display()
    );
    let tmp = format!("{info}.tmp");
    std::fs::write(&tmp, text).expect("write bench info");
    std::fs::rename(&tmp, &info).expect("publish bench info");
    std::thread::sleep(lifetime);
}
