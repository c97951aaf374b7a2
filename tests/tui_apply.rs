//! The TUI's apply flow driven through its update function, with a real kube-apiserver + etcd
//! behind it (tests/support/control_plane.rs): the effects `update` returns are performed by
//! the runtime's own `spawn_apply`, and its messages are fed back into `update` until the run
//! is done. The screens are rendered with ratatui's TestBackend.

mod support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use podwiz::cli::ClusterArgs;
use podwiz::cluster::Connection;
use podwiz::cluster::client;
use podwiz::scenario::Object;
use podwiz::tui::msg::{Effect, Msg};
use podwiz::tui::state::{ApplyPhase, ClusterStatus, Field, ObjectState, Screen};
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::control_plane as cp;
use tokio::sync::mpsc;

struct Driver {
    app: App,
    conn: Connection,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
}

impl Driver {
    /// The wizard walked to Review of (runs row, way row) with `-n namespace`, connected to the
    /// control plane as admin the way the runtime connects (context read, then server answered).
    async fn new(runs: usize, way: usize, namespace: &str) -> Driver {
        let args = ClusterArgs {
            kubeconfig: Some(cp::admin_kubeconfig_path().to_path_buf()),
            context: None,
        };
        let conn = client::connect(&args, None)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        let (tx, rx) = mpsc::unbounded_channel();
        let mut d = Driver {
            app: App::new(Theme::mono()),
            conn,
            tx,
            rx,
        };
        d.msg(Msg::KubeContext(d.conn.info.clone()));
        let info = d.conn.info.clone();
        d.msg(Msg::Cluster(ClusterStatus::Connected {
            context: info.context,
            namespace: info.namespace,
            server: info.server,
        }));
        d.app.apply_wait = Duration::from_secs(3);
        d.key(KeyCode::Enter);
        for _ in 0..runs {
            d.key(KeyCode::Down);
        }
        d.key(KeyCode::Enter);
        for _ in 0..way {
            d.key(KeyCode::Down);
        }
        d.key(KeyCode::Enter);
        assert_eq!(d.app.screen, Screen::Options);
        while d.app.focused_field() != Field::Namespace {
            d.key(KeyCode::Down);
        }
        d.key(KeyCode::Enter);
        for c in namespace.chars() {
            d.key(KeyCode::Char(c));
        }
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('r'));
        assert_eq!(d.app.screen, Screen::Review, "{:?}", d.app.error);
        d
    }

    fn key(&mut self, code: KeyCode) -> usize {
        self.msg(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    /// One message into `update`; its effects are performed like the runtime does. Returns the
    /// number of apply runs started.
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

    /// Feed the run's messages into `update` until its `ApplyDone`. Returns the ticks seen.
    async fn pump(&mut self) -> usize {
        let mut ticks = 0;
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(90), self.rx.recv())
                .await
                .expect("the apply answers within 90 s")
                .expect("the channel stays open");
            let done = matches!(msg, Msg::ApplyDone(_));
            ticks += usize::from(matches!(msg, Msg::Tick));
            assert_eq!(self.msg(msg), 0, "a message started another run");
            if done {
                return ticks;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_dry_runs_confirms_applies_and_shows_the_pods_phase() {
    let ns = cp::fresh_namespace("tui-apply");
    let mut d = Driver::new(1, 1, &ns).await; // rootless-no-priv
    assert_eq!(d.app.mode.id(), "rootless-no-priv");

    // a: the dry-run only.
    assert_eq!(d.key(KeyCode::Char('a')), 1);
    assert_eq!(d.phase(), Some(ApplyPhase::DryRun));
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Confirm, "{:?}", panel.error);
    assert!(
        panel
            .objects
            .iter()
            .all(|o| matches!(o.state, ObjectState::Valid)),
        "{:?}",
        panel.objects
    );
    let plan = panel.plan.clone();
    assert_eq!(plan.namespace, ns);
    let pod = plan
        .objects
        .iter()
        .find_map(|o| match o {
            Object::Pod(p) => Some(p.metadata.name.clone().unwrap_or_default()),
            _ => None,
        })
        .expect("the plan has a Pod");
    // Nothing written by the dry-run.
    let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
    let before = pods.get_opt(&pod).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(before.is_none(), "the dry-run wrote the Pod");

    // The confirmation: context, server, user, namespace, every object.
    let text = d.screen(200, 50);
    let info = &d.conn.info;
    for needle in [
        info.context.as_str(),
        info.server.as_str(),
        info.user.as_str(),
        &format!("Namespace: {ns}"),
        "y/Enter",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    for i in 0..plan.objects.len() {
        assert!(text.contains(&plan.label(i)), "{}\n{text}", plan.label(i));
    }

    // y: the real apply, then the Pod's phase.
    assert_eq!(d.key(KeyCode::Char('y')), 1);
    assert_eq!(d.phase(), Some(ApplyPhase::Applying));
    let ticks = d.pump().await;
    assert!(ticks > 0, "the spinner turns while the apply runs");
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Applied, "{:?}", panel.error);
    for o in &panel.objects {
        assert!(
            matches!(
                o.state,
                ObjectState::Created | ObjectState::Configured | ObjectState::Unchanged
            ),
            "{o:?}"
        );
    }
    let pod_index = plan.pod_index().expect("pod index");
    assert_eq!(panel.objects[pod_index].state, ObjectState::Created);
    let status = panel.pod.as_ref().expect("the Pod was watched");
    assert!(
        status
            .describe()
            .starts_with("Pending: no node has been assigned"),
        "{}",
        status.describe()
    );
    let on_server = pods
        .get(&pod)
        .await
        .unwrap_or_else(|e| panic!("the Pod is on the server: {e}"));
    assert_eq!(on_server.metadata.namespace.as_deref(), Some(ns.as_str()));

    // The result screen.
    let text = d.screen(200, 50);
    for i in 0..plan.objects.len() {
        let row = text
            .lines()
            .find(|l| l.contains(&plan.label(i)))
            .unwrap_or_else(|| panic!("{} not in\n{text}", plan.label(i)));
        assert!(row.contains("Applied:"), "{row}");
    }
    assert!(
        text.contains(&format!(
            "{}: Pending: no node has been assigned",
            plan.objects[pod_index].reference()
        )),
        "{text}"
    );
    if !plan.usage.is_empty() {
        assert!(text.contains("Then try:"), "{text}");
        assert!(text.contains(&plan.usage[0].command), "{text}");
    }
    // The small screen draws too.
    assert!(d.screen(80, 24).contains("Applied"));

    // Idle: no ticks, nothing more arrives; Esc closes the panel.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(d.rx.try_recv().is_err(), "messages after the run ended");
    assert_eq!(d.key(KeyCode::Esc), 0);
    assert!(d.app.apply.is_none());
    assert_eq!(d.app.screen, Screen::Review);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_namespace_rejects_rootful_priv_and_confirming_is_refused() {
    let ns = cp::fresh_namespace_with_labels(
        "tui-apply-baseline",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    let mut d = Driver::new(0, 0, &ns).await; // rootful-priv
    assert_eq!(d.app.mode.id(), "rootful-priv");
    assert_eq!(d.key(KeyCode::Char('a')), 1);
    d.pump().await;
    let panel = d.app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Rejected);
    let plan = panel.plan.clone();
    let pod_index = plan.pod_index().expect("pod index");
    let ObjectState::Rejected(message) = &panel.objects[pod_index].state else {
        panic!("{:?}", panel.objects[pod_index])
    };
    assert!(
        message.contains("violates PodSecurity \"baseline:latest\": privileged ("),
        "{message}"
    );
    let error = panel.error.clone().expect("error");
    assert!(error.ends_with("nothing was applied"), "{error}");

    // y and Enter are refused: no effect, nothing written.
    assert_eq!(d.key(KeyCode::Char('y')), 0);
    assert_eq!(d.key(KeyCode::Enter), 0);
    assert_eq!(d.phase(), Some(ApplyPhase::Rejected));
    let pod = plan.objects[pod_index].name().to_string();
    let pods: Api<Pod> = Api::namespaced(cp::admin_client().await, &ns);
    let got = pods.get_opt(&pod).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(got.is_none(), "the Pod was written");

    let text = d.screen(240, 50);
    assert!(
        text.contains("violates PodSecurity \"baseline:latest\": privileged ("),
        "{text}"
    );
    assert!(text.contains("confirming is refused"), "{text}");
    // The prediction at the namespace's policy version (latest: the server's), before the
    // server's verdict.
    assert!(
        text.contains(&format!(
            "Pod Security: pod/{pod} is privileged at policy v1."
        )) && text.contains("enforces baseline: rejected"),
        "{text}"
    );
    assert_eq!(d.key(KeyCode::Esc), 0);
    assert!(d.app.apply.is_none());
}
