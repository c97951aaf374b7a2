//! `v` on the apply panel: the wizard's `apply --verify`. The update function only asks for the
//! work (an `Effect::Verify`); progress and the result arrive as messages, and the panel shows
//! them. The cluster part is `cluster::verify` (tests/apply_verify.rs, the node tests).

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use podwiz::cluster::apply::{ApplyEvent, ApplyReport, ObjectResult, Outcome, PodStatus};
use podwiz::cluster::context::ContextInfo;
use podwiz::cluster::verify::{FailedAt, VerifyEvent, VerifyFailure, VerifyReport};
use podwiz::security::diagnose;
use podwiz::tui::keymap::{self, Action, Context};
use podwiz::tui::msg::{Effect, Msg};
use podwiz::tui::state::{ApplyPhase, ClusterStatus, Screen, StatusKind};
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).1
}

fn info() -> ContextInfo {
    ContextInfo {
        context: "kind-test".into(),
        cluster: "kind-cluster".into(),
        server: "https://127.0.0.1:6443".into(),
        user: "kind-admin".into(),
        namespace: "team-a".into(),
    }
}

/// rootless-no-priv, reviewed, connected, dry-run passed, applied.
fn applied() -> App {
    let mut app = App::new(Theme::mono());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Review);
    let i = info();
    update(&mut app, Msg::KubeContext(i.clone()));
    update(
        &mut app,
        Msg::Cluster(ClusterStatus::Connected {
            context: i.context,
            namespace: i.namespace,
            server: i.server,
        }),
    );
    let fx = press(&mut app, KeyCode::Char('a'));
    let [Effect::Apply { plan, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let plan = (**plan).clone();
    let report = |dry_run: bool, outcome: Outcome| ApplyReport {
        dry_run,
        objects: plan
            .objects
            .iter()
            .map(|o| ObjectResult {
                reference: o.reference(),
                namespace: o.namespace().map(str::to_string),
                existed: false,
                warnings: Vec::new(),
                outcome: outcome.clone(),
            })
            .collect(),
        pod: None,
        usage: Vec::new(),
    };
    update(
        &mut app,
        Msg::ApplyDone(Ok(report(true, Outcome::Validated))),
    );
    // Before the apply, `v` has nothing to verify.
    assert!(press(&mut app, KeyCode::Char('v')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("apply first")),
        "{:?}",
        app.status
    );
    press(&mut app, KeyCode::Char('y'));
    update(
        &mut app,
        Msg::Apply(ApplyEvent::PodPhase {
            status: PodStatus {
                phase: "Pending".into(),
                node: None,
                detail: None,
                final_: true,
                timed_out: true,
            },
        }),
    );
    update(
        &mut app,
        Msg::ApplyDone(Ok(report(false, Outcome::Created))),
    );
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Applied)
    );
    app
}

fn screen_text(app: &mut App) -> String {
    update(app, Msg::Resize(120, 40));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("backend");
    terminal
        .draw(|f| podwiz::tui::view::draw(f, app))
        .expect("draw");
    podwiz::tui::view::buffer_text(terminal.backend().buffer())
}

#[test]
fn v_is_in_the_one_keymap_for_the_apply_panel_only() {
    let v = KeyEvent::new(KeyCode::Char('v'), KeyModifiers::NONE);
    assert_eq!(keymap::action(Context::Apply, &v), Some(Action::Verify));
    assert_ne!(keymap::action(Context::Review, &v), Some(Action::Verify));
    assert!(
        keymap::hints(Context::Apply)
            .iter()
            .any(|(key, label)| key == "v" && *label == "verify"),
        "{:?}",
        keymap::hints(Context::Apply)
    );
}

#[test]
fn v_after_an_apply_asks_for_the_verification_and_shows_its_progress_and_result() {
    let mut app = applied();
    let text = screen_text(&mut app);
    assert!(text.contains("v verifies"), "{text}");

    let fx = press(&mut app, KeyCode::Char('v'));
    let [Effect::Verify { target, opts }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(target.namespace, "team-a");
    assert_eq!(
        target.pod,
        podwiz::scenario::Mode::RootlessNoPriv.default_pod_name()
    );
    assert!(!target.remote);
    assert_eq!(opts.wait, podwiz::cluster::verify::VERIFY_WAIT);
    // A second `v` while it runs starts nothing.
    assert!(press(&mut app, KeyCode::Char('v')).is_empty());
    // The spinner turns while it runs.
    assert!(update(&mut app, Msg::Tick).0);

    let warning = "0/1 nodes are available: 1 Insufficient github.com/fuse.";
    for event in [
        VerifyEvent::PodEvent {
            elapsed: Duration::from_millis(1500),
            warning: true,
            line: format!("Warning FailedScheduling: {warning}"),
        },
        VerifyEvent::StillWaiting {
            elapsed: Duration::from_secs(5),
            phase: "Pending".into(),
        },
    ] {
        assert!(update(&mut app, Msg::Verify(event)).0);
    }
    let text = screen_text(&mut app);
    assert!(
        text.contains("[   1.5s] event Warning FailedScheduling"),
        "{text}"
    );
    assert!(text.contains("verifying"), "{text}");

    let error = format!("not Running after 300 s: Pending: not scheduled: {warning}");
    let report = VerifyReport {
        running_after: None,
        elapsed: Duration::from_secs(300),
        steps: Vec::new(),
        failure: Some(VerifyFailure {
            at: FailedAt::NotRunning,
            diagnosis: diagnose(&error),
            error,
        }),
    };
    assert!(update(&mut app, Msg::VerifyDone(Box::new(report))).0);
    let (kind, status) = app.status.clone().expect("status");
    assert_eq!(kind, StatusKind::Error);
    assert!(status.contains("not verified"), "{status}");
    // Done: no more ticks, and the error with the diagnosis is on the panel.
    assert!(!update(&mut app, Msg::Tick).0);
    let text = screen_text(&mut app);
    assert!(text.contains("NOT VERIFIED after 300.0s"), "{text}");
    assert!(
        text.contains("podwiz's diagnosis [insufficient-fuse-resource]"),
        "{text}"
    );
    // Esc closes the panel as after any apply.
    press(&mut app, KeyCode::Esc);
    assert!(app.apply.is_none());
}

#[test]
fn a_verified_pod_is_said_so() {
    let mut app = applied();
    press(&mut app, KeyCode::Char('v'));
    update(
        &mut app,
        Msg::Verify(VerifyEvent::Step {
            elapsed: Duration::from_secs(9),
            step: "run".into(),
        }),
    );
    let report = VerifyReport {
        running_after: Some(Duration::from_secs(8)),
        elapsed: Duration::from_secs(12),
        steps: vec!["identity".into(), "info".into(), "run".into()],
        failure: None,
    };
    update(&mut app, Msg::VerifyDone(Box::new(report)));
    assert_eq!(app.status.as_ref().map(|s| s.0), Some(StatusKind::Success));
    let text = screen_text(&mut app);
    assert!(
        text.contains("✔ Verified: Podman imported and ran a container"),
        "{text}"
    );
    assert!(text.contains("step run"), "{text}");
}
