//! The wizard's Review of a manifest against the real API server (etcd + kube-apiserver,
//! tests/support/control_plane.rs): `a` applies the safer rewrite through podwiz's own engine
//! (dry-run, confirmation, server-side apply) and the object on the server is the rewrite, at
//! the level podwiz predicted (the namespace enforces it); `podwiz pod/NAME -n NS` reads the
//! live object, in process and through the binary in a real terminal (tmux).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use podwiz::cli::ClusterArgs;
use podwiz::cluster::{Connection, client};
use podwiz::manifest::{self, WorkloadKind};
use podwiz::security::pss::{self, Level, PolicyVersion};
use podwiz::tui::manifest::{Fetch, Load, ManifestReview};
use podwiz::tui::msg::{Effect, Msg};
use podwiz::tui::state::{ApplyPhase, ClusterStatus};
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::control_plane::{self as cp, ControlPlane};
use tokio::sync::mpsc;

const SCC: &str = include_str!("fixtures/manifests/openshift-podman-scc.yaml");
const CI_AGENT: &str = include_str!("fixtures/manifests/ci-agent-socket.yaml");

/// The fixture in namespace `ns` (it names `builds`).
fn scc_in(ns: &str) -> String {
    let yaml = SCC.replace("namespace: builds", &format!("namespace: {ns}"));
    assert_ne!(yaml, SCC, "the fixture names its namespace");
    yaml
}

fn kubectl(args: &[&str], stdin: &str) -> String {
    let mut child = ControlPlane::shared()
        .kubectl_admin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubectl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("kubectl output");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Driver {
    app: App,
    conn: Connection,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Driver {
    /// The wizard on `review`, connected to the control plane as admin the way the runtime
    /// connects (context read, then the server answered).
    async fn new(review: ManifestReview, namespace: &str) -> Driver {
        let args = ClusterArgs {
            kubeconfig: Some(cp::admin_kubeconfig_path().to_path_buf()),
            context: None,
        };
        let conn = client::connect(&args, Some(namespace))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        let (tx, rx) = mpsc::unbounded_channel();
        let mut d = Driver {
            app: App::for_manifest(Theme::mono(), review),
            conn,
            tx,
            rx,
        };
        d.app.apply_wait = Duration::from_secs(2);
        d.msg(Msg::KubeContext(d.conn.info.clone()));
        let info = d.conn.info.clone();
        d.msg(Msg::Cluster(ClusterStatus::Connected {
            context: info.context,
            namespace: info.namespace,
            server: info.server,
        }));
        d
    }

    fn key(&mut self, code: KeyCode) -> usize {
        self.msg(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// One message into `update`; apply effects run on the runtime's own `spawn_apply`.
    fn msg(&mut self, msg: Msg) -> usize {
        let (_, effects) = update(&mut self.app, msg);
        let mut started = 0;
        for effect in effects {
            match effect {
                Effect::Apply {
                    plan,
                    dry_run,
                    wait,
                } => {
                    podwiz::tui::spawn_apply(
                        self.conn.clone(),
                        *plan,
                        dry_run,
                        wait,
                        self.tx.clone(),
                    );
                    started += 1;
                }
                other => panic!("unexpected effect {other:?}"),
            }
        }
        started
    }

    /// Feed the run's messages into `update` until its `ApplyDone`.
    async fn pump(&mut self) {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(90), self.rx.recv())
                .await
                .expect("the apply answers within 90 s")
                .expect("the channel stays open");
            let done = matches!(msg, Msg::ApplyDone(_));
            assert_eq!(self.msg(msg), 0, "a message started another run");
            if done {
                return;
            }
        }
    }

    fn phase(&self) -> Option<ApplyPhase> {
        self.app.apply.as_ref().map(|p| p.phase)
    }

    fn screen(&mut self, w: u16, h: u16) -> String {
        update(&mut self.app, Msg::Resize(w, h));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        terminal
            .draw(|f| podwiz::tui::view::draw(f, &self.app))
            .expect("draw");
        podwiz::tui::view::buffer_text(terminal.backend().buffer())
    }
}

fn capabilities_added(pod: &Pod) -> Vec<String> {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers[0].security_context.as_ref())
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.add.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_applies_the_safer_rewrite_and_the_server_holds_it_at_the_predicted_level() {
    // The namespace enforces baseline: Pod Security admission on the server judges the rewrite
    // too, and would refuse their pod (SYS_ADMIN, SYS_RESOURCE).
    let ns = cp::fresh_namespace_with_labels(
        "tui-rewrite",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    kubectl(
        &["create", "-n", &ns, "serviceaccount", "image-builder"],
        "",
    );
    let yaml = scc_in(&ns);
    let manifests = manifest::read_manifests(yaml.as_bytes()).expect("the fixture reads");
    let review =
        ManifestReview::from_manifests("scc.yaml".into(), &manifests, PolicyVersion::Latest)
            .expect("a pod template");
    let predicted = review.objects[0]
        .rewrite
        .as_ref()
        .expect("a safer way")
        .suggestion
        .level;
    assert_eq!(predicted, Level::Baseline);
    let mut d = Driver::new(review, &ns).await;

    // a: the server-side dry-run of the rewrite, then the confirmation.
    assert_eq!(d.key(KeyCode::Char('a')), 1);
    assert_eq!(d.phase(), Some(ApplyPhase::DryRun));
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Confirm, "{:?}", panel.error);
    assert_eq!(panel.plan.namespace, ns);
    let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
    assert!(
        pods.get_opt("image-builder").await.expect("get").is_none(),
        "the dry-run wrote the Pod"
    );
    let text = d.screen(200, 50);
    let info = d.conn.info.clone();
    for needle in [
        info.context.as_str(),
        info.server.as_str(),
        &format!("Namespace: {ns}"),
        "pod/image-builder",
        "user-namespaced pod: an escape is not root on the node",
        "y/Enter",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }

    // y: the real write.
    assert_eq!(d.key(KeyCode::Char('y')), 1);
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Applied, "{:?}", panel.error);

    // The object on the server is the rewrite: no SYS_ADMIN, a user namespace, uid 1000.
    let on_server = pods.get("image-builder").await.expect("the Pod is there");
    assert_eq!(capabilities_added(&on_server), ["SETUID", "SETGID"]);
    let spec = on_server.spec.as_ref().expect("spec");
    assert_eq!(spec.host_users, Some(false));
    let sc = spec.containers[0].security_context.as_ref().expect("sc");
    assert_eq!(sc.run_as_user, Some(1000));
    assert_eq!(
        sc.capabilities.as_ref().and_then(|c| c.drop.clone()),
        Some(vec!["ALL".to_string()])
    );
    assert_eq!(
        spec.containers[0].image.as_deref(),
        Some("quay.io/podman/stable")
    );
    assert_eq!(
        on_server
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("app"))
            .map(String::as_str),
        Some("image-builder"),
        "their labels are kept"
    );
    // The level podwiz predicted, judged again on what the server stored.
    assert_eq!(
        pss::evaluate_pod(&on_server, PolicyVersion::Latest).level,
        predicted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_form_reads_the_pod_and_an_in_place_rewrite_is_refused_by_the_dry_run() {
    let ns = cp::fresh_namespace("tui-live");
    kubectl(
        &["create", "-n", &ns, "serviceaccount", "image-builder"],
        "",
    );
    kubectl(&["create", "-f", "-"], &scc_in(&ns));
    let review = ManifestReview::loading(
        "pod/image-builder".into(),
        Fetch {
            kind: WorkloadKind::Pod,
            name: "image-builder".into(),
            namespace: Some(ns.clone()),
        },
        None,
    );
    let mut d = Driver::new(review, &ns).await;
    assert!(
        d.screen(120, 40)
            .contains("Reading pod/image-builder from the cluster")
    );
    // What the runtime does once connected: fetch the object and the server's version.
    let fetched = podwiz::tui::fetch_live(
        &d.conn,
        &Fetch {
            kind: WorkloadKind::Pod,
            name: "image-builder".into(),
            namespace: Some(ns.clone()),
        },
    )
    .await;
    d.msg(Msg::ManifestFetched(fetched));
    let m = d.app.manifest.as_ref().expect("review");
    assert_eq!(m.load, Load::Ready);
    let minor: u32 = cp::kubernetes_version()
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .expect("the control plane's minor version");
    assert_eq!(m.version, PolicyVersion::V(minor), "the server's version");
    let text = d.screen(120, 40);
    for needle in [
        "[Review] pod/image-builder",
        "- SYS_ADMIN",
        &format!("[ PRIVILEGED ] policy v1.{minor}"),
        "A safer way: userns (rootless shape)",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    // The server fills in what the user did not write (status, uid): the Yours tab does not
    // show it.
    assert!(!text.contains("resourceVersion"), "{text}");

    // A Pod's spec cannot change in place: the dry-run is refused, nothing is written.
    assert_eq!(d.key(KeyCode::Char('a')), 1);
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Rejected);
    let error = panel.error.clone().unwrap_or_default();
    assert!(error.contains("nothing was applied"), "{error}");
    let text = d.screen(200, 50);
    assert!(
        text.contains("A running Pod cannot change its spec in place: delete it first (kubectl delete pod/image-builder"),
        "{text}"
    );
    let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
    let on_server = pods.get("image-builder").await.expect("still there");
    assert!(capabilities_added(&on_server).contains(&"SYS_ADMIN".to_string()));
}

/// `podwiz po/NAME -n NS` in a real terminal, through a proxy that delays every byte by 1 s
/// each way: the first frame is the loading page (it does not wait for the server), the object
/// arrives from the server later, q quits with exit 0.
#[test]
fn podwiz_type_name_opens_the_live_object_in_a_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is missing: apt-get install -y tmux");
    }
    let ns = cp::fresh_namespace("tui-live-bin");
    kubectl(
        &["create", "-n", &ns, "serviceaccount", "image-builder"],
        "",
    );
    kubectl(&["create", "-f", "-"], &scc_in(&ns));
    let socket = format!("podwiz-live-{}", std::process::id());
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let command = format!(
        "env -u SSH_CONNECTION -u SSH_TTY -u DISPLAY {} po/image-builder -n {ns} --kubeconfig {}; echo PODWIZ-EXIT=$?; sleep 600",
        env!("CARGO_BIN_EXE_podwiz"),
        support::delay_proxy::delayed_admin_kubeconfig(Duration::from_secs(1)).display()
    );
    tmux(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "live",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = tmux(&["capture-pane", "-p", "-t", "live:0.0"]);
            if screen.contains(needle) {
                return screen;
            }
            if Instant::now() > deadline {
                let _ = tmux(&["kill-server"]);
                panic!("'{needle}' never appeared; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let started = Instant::now();
    let screen = wait_for("Reading po/image-builder from the cluster");
    let first_frame = started.elapsed();
    assert!(!screen.contains("[Yours]"), "{screen}");
    let screen = wait_for("[Yours]");
    // Every round trip takes 2 s here: the object came after the first frame, not with it.
    assert!(
        started.elapsed() > first_frame + Duration::from_secs(2),
        "first frame after {first_frame:?}, the object after {:?}",
        started.elapsed()
    );
    assert!(
        screen.contains(&format!("[Review] pod/image-builder (namespace {ns})")),
        "{screen}"
    );
    assert!(screen.contains("- SYS_ADMIN"), "{screen}");
    assert!(screen.contains("cluster: ✔"), "{screen}");
    tmux(&["send-keys", "-t", "live:0.0", "q"]);
    wait_for("PODWIZ-EXIT=0");
    let _ = tmux(&["kill-server"]);
}

/// A live Deployment (written by kubectl, another field manager) is not overwritten with
/// server-side apply: it would keep `privileged` and the socket the rewrite removes. The panel
/// refuses after the dry-run and the Deployment on the server is unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rewrite_of_a_live_deployment_is_refused_and_nothing_changes() {
    let ns = cp::fresh_namespace("tui-live-deploy");
    let pod = manifest::read_manifests(CI_AGENT.as_bytes())
        .expect("fixture")
        .workloads[0]
        .to_value();
    let deployment = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ci-agent", "namespace": ns},
        "spec": {
            "selector": {"matchLabels": {"app": "ci-agent"}},
            "template": {"metadata": {"labels": {"app": "ci-agent"}}, "spec": pod["spec"]},
        },
    });
    kubectl(&["create", "-f", "-"], &deployment.to_string());
    let fetch = Fetch {
        kind: WorkloadKind::Deployment,
        name: "ci-agent".into(),
        namespace: Some(ns.clone()),
    };
    let mut d = Driver::new(
        ManifestReview::loading("deploy/ci-agent".into(), fetch.clone(), None),
        &ns,
    )
    .await;
    let fetched = podwiz::tui::fetch_live(&d.conn, &fetch).await;
    d.msg(Msg::ManifestFetched(fetched));
    let m = d.app.manifest.as_ref().expect("review");
    assert_eq!(m.load, Load::Ready);
    assert!(
        m.objects[0].rewrite.is_some(),
        "the privileged socket pod has a safer way"
    );

    assert_eq!(d.key(KeyCode::Char('a')), 1);
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Rejected, "{:?}", panel.error);
    let error = panel.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("deployment/ci-agent exists already"),
        "{error}"
    );
    let text = d.screen(200, 50);
    assert!(text.contains("kubectl replace -f FILE"), "{text}");
    // Confirming is refused, and the server still holds their Deployment.
    assert_eq!(d.key(KeyCode::Char('y')), 0);
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(cp::admin_client().await, &ns);
    let stored = deployments.get("ci-agent").await.expect("still there");
    let podman = stored
        .spec
        .template
        .spec
        .as_ref()
        .map(|s| s.containers[1].clone())
        .expect("the podman container");
    assert_eq!(
        podman.security_context.and_then(|sc| sc.privileged),
        Some(true)
    );
}
