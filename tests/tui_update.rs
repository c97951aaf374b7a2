//! The update function: paths to each mode, back keeps input, invalid input blocks with the CLI's
//! message, the preview equals `podwiz generate`, copy and save effects.

use std::process::Command;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use podwiz::cluster::apply::{ApplyEvent, ApplyPlan, ApplyReport, ObjectResult, Outcome};
use podwiz::cluster::context::ContextInfo;
use podwiz::render;
use podwiz::scenario::{self, Mode, Options, Storage};
use podwiz::tui::keymap::Context;
use podwiz::tui::msg::{Effect, Msg, SaveOutcome};
use podwiz::tui::state::{ApplyPhase, ClusterStatus, Field, ObjectState, Screen, StatusKind};
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).1
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn down(app: &mut App, n: usize) {
    for _ in 0..n {
        press(app, KeyCode::Down);
    }
}

/// Start → runs (row `runs`) → way (row `way`) → options.
fn walk(runs: usize, way: usize) -> App {
    let mut app = App::new(Theme::mono());
    assert_eq!(app.screen, Screen::Start);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Runs);
    down(&mut app, runs);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Way);
    down(&mut app, way);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Options);
    app
}

fn focus(app: &mut App, field: Field) {
    for _ in 0..20 {
        press(app, KeyCode::Up);
    }
    while app.focused_field() != field {
        let before = app.field_cursor;
        press(app, KeyCode::Down);
        assert_ne!(before, app.field_cursor, "{field:?} not on the form");
    }
}

fn generate(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .arg("generate")
        .args(args)
        .output()
        .expect("run podwiz generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn a_path_to_each_of_the_six_modes() {
    let cases = [
        (0, 0, Mode::RootfulPriv),
        (0, 1, Mode::RootfulNoPriv),
        (0, 2, Mode::Remote),
        (0, 3, Mode::Userns),
        (1, 0, Mode::RootlessPriv),
        (1, 1, Mode::RootlessNoPriv),
        (1, 2, Mode::Remote),
        (1, 3, Mode::Userns),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (runs, way, mode) in cases {
        let mut app = walk(runs, way);
        assert_eq!(app.mode, mode);
        press(&mut app, KeyCode::Char('r'));
        assert_eq!(app.screen, Screen::Review, "{mode}: {:?}", app.error);
        let preview = app.preview.as_ref().expect("a preview");
        assert_eq!(preview.bundle.mode, mode);
        seen.insert(mode);
    }
    assert_eq!(seen.len(), 6);
}

#[test]
fn the_preview_is_what_generate_prints() {
    for mode in Mode::ALL {
        let bundle = scenario::build(mode, &Options::default()).expect("defaults build");
        let mut app = App::new(Theme::mono());
        app.mode = mode;
        app.refresh();
        let preview = app.preview.as_ref().expect("preview");
        assert_eq!(
            preview.all_yaml,
            render::bundle_yaml(&bundle).expect("yaml")
        );
        assert_eq!(preview.all_yaml, generate(&[mode.id()]), "{mode}");
    }
    // With choices typed into the form.
    let mut app = walk(1, 1);
    focus(&mut app, Field::Name);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "builder");
    press(&mut app, KeyCode::Enter);
    focus(&mut app, Field::Namespace);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "ci");
    press(&mut app, KeyCode::Esc);
    focus(&mut app, Field::Storage);
    press(&mut app, KeyCode::Right); // emptydir
    press(&mut app, KeyCode::Right); // hostpath
    focus(&mut app, Field::StorageArg);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "/srv/podman");
    press(&mut app, KeyCode::Enter);
    focus(&mut app, Field::Fuse);
    press(&mut app, KeyCode::Right); // device-plugin
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Review, "{:?}", app.error);
    let expected = generate(&[
        "rootless-no-priv",
        "--name",
        "builder",
        "-n",
        "ci",
        "--storage",
        "hostpath:/srv/podman",
        "--fuse",
        "device-plugin",
    ]);
    assert_eq!(app.preview.as_ref().expect("preview").all_yaml, expected);
    assert_eq!(
        app.cli_args(),
        "rootless-no-priv --name builder -n ci --storage hostpath:/srv/podman --fuse device-plugin"
    );
}

#[test]
fn back_keeps_what_was_typed() {
    let mut app = walk(1, 1);
    press(&mut app, KeyCode::Enter); // edit the name
    typ(&mut app, "keep-me");
    press(&mut app, KeyCode::Esc); // stops typing, keeps the text
    assert!(!app.editing);
    assert_eq!(app.form.name, "keep-me");
    press(&mut app, KeyCode::Esc); // back to step 3
    assert_eq!(app.screen, Screen::Way);
    press(&mut app, KeyCode::Backspace); // back to step 2
    assert_eq!(app.screen, Screen::Runs);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Up); // privileged this time
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::RootlessPriv);
    assert_eq!(app.form.name, "keep-me");
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Review);
    assert_eq!(
        app.preview
            .as_ref()
            .expect("preview")
            .bundle
            .pod
            .metadata
            .name
            .as_deref(),
        Some("keep-me")
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Options);
    assert_eq!(app.form.name, "keep-me");
}

#[test]
fn an_invalid_name_blocks_with_the_cli_message() {
    let mut app = walk(1, 1);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Bad_Name");
    press(&mut app, KeyCode::Enter);
    let cli = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(["generate", "rootless-no-priv", "--name", "Bad_Name"])
        .output()
        .expect("run podwiz");
    assert_eq!(cli.status.code(), Some(2));
    let cli_message = String::from_utf8_lossy(&cli.stderr)
        .trim()
        .trim_start_matches("podwiz: ")
        .to_string();
    let (field, message) = app.error.clone().expect("an error");
    assert_eq!(field, Field::Name);
    assert_eq!(message, cli_message);
    assert!(message.starts_with(
        "invalid value 'Bad_Name' for '--name': must be a lowercase RFC 1123 subdomain"
    ));
    // Continue is refused and says why.
    focus(&mut app, Field::Continue);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Options);
    assert_eq!(
        app.focused_field(),
        Field::Name,
        "the cursor goes to the bad field"
    );
    let (kind, status) = app.status.clone().expect("status");
    assert_eq!(kind, StatusKind::Error);
    assert!(status.contains(&cli_message), "{status}");
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Options);
    // Fixing it lets the walk go on.
    press(&mut app, KeyCode::Enter);
    for _ in 0.."Bad_Name".len() {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "good-name");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.error, None);
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Review);
}

#[test]
fn a_relative_hostpath_blocks_with_the_cli_message() {
    let mut app = walk(1, 1);
    focus(&mut app, Field::Storage);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.form.choice(Field::Storage).as_deref(), Some("hostpath"));
    focus(&mut app, Field::StorageArg);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "rel/path");
    press(&mut app, KeyCode::Enter);
    let expected = "hostpath:rel/path"
        .parse::<Storage>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        expected,
        "invalid value 'hostpath:rel/path' for '--storage': the path must be absolute"
    );
    assert_eq!(app.error, Some((Field::StorageArg, expected)));
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Options);
}

#[test]
fn q_types_into_a_field_and_quits_elsewhere() {
    let mut app = walk(0, 0);
    press(&mut app, KeyCode::Enter);
    let fx = press(&mut app, KeyCode::Char('q'));
    assert!(fx.is_empty());
    assert!(!app.quit);
    assert_eq!(app.form.name, "q");
    press(&mut app, KeyCode::Enter);
    let fx = press(&mut app, KeyCode::Char('q'));
    assert_eq!(fx, vec![Effect::Quit]);
    assert!(app.quit);
    let mut app = walk(0, 0);
    press(&mut app, KeyCode::Enter);
    let fx = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    )
    .1;
    assert_eq!(fx, vec![Effect::Quit], "Ctrl-C quits even while typing");
}

#[test]
fn copy_save_and_apply_from_review() {
    let mut app = walk(1, 1);
    press(&mut app, KeyCode::Char('r'));
    let all = app.preview.as_ref().expect("preview").all_yaml.clone();
    let fx = press(&mut app, KeyCode::Char('c'));
    assert_eq!(
        fx,
        vec![Effect::Copy {
            text: all.clone(),
            what: "2 documents".into()
        }]
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let fx = press(&mut app, KeyCode::Char('c'));
    let Effect::Copy { text, what } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(what, "Pod no-priv");
    assert!(text.starts_with("apiVersion: v1\nkind: Pod\n"));
    let fx = press(&mut app, KeyCode::Char('C'));
    assert!(matches!(&fx[0], Effect::Copy { text, .. } if *text == all));
    update(
        &mut app,
        Msg::Copied(Ok("copied 2 documents to the X11 clipboard".into())),
    );
    assert_eq!(
        app.status,
        Some((
            StatusKind::Success,
            "copied 2 documents to the X11 clipboard".into()
        ))
    );

    // Save: a prompt with a default directory, then the files of `generate --out-dir`.
    press(&mut app, KeyCode::Char('s'));
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out");
    let prompt = app.save.as_mut().expect("prompt");
    assert_eq!(prompt.dir, "./podwiz-rootless-no-priv");
    prompt.dir.clear();
    typ(&mut app, &target.display().to_string());
    let fx = press(&mut app, KeyCode::Enter);
    let Effect::Save {
        dir: d,
        files,
        force,
    } = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(d, &target.display().to_string());
    assert!(!force);
    let expected = render::out_dir_files(&app.preview.as_ref().expect("p").bundle).expect("files");
    assert_eq!(files, &expected);
    let outcome = podwiz::tui::save_files(&target, d, files, false);
    assert_eq!(
        outcome,
        SaveOutcome::Wrote {
            files: expected.len(),
            dir: d.clone()
        }
    );
    assert!(target.join("pod.yaml").exists());
    // Saving again asks before overwriting.
    let outcome = podwiz::tui::save_files(&target, d, files, false);
    assert_eq!(outcome, SaveOutcome::NotEmpty { dir: d.clone() });
    update(&mut app, Msg::Saved(outcome));
    assert!(app.save.as_ref().is_some_and(|s| s.confirm_overwrite));
    let fx = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(&fx[0], Effect::Save { force: true, .. }));
    update(
        &mut app,
        Msg::Saved(SaveOutcome::Wrote {
            files: 3,
            dir: d.clone(),
        }),
    );
    assert!(app.save.is_none());

    // Apply without a kube context: said plainly, nothing else happens.
    update(
        &mut app,
        Msg::Cluster(ClusterStatus::NoContext("no kubeconfig found".into())),
    );
    let fx = press(&mut app, KeyCode::Char('a'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.apply.is_none());
    let (kind, status) = app.status.clone().expect("status");
    assert_eq!(kind, StatusKind::Error);
    assert!(
        status.starts_with("apply: no kube context (no kubeconfig found)")
            && status.ends_with("nothing was applied"),
        "{status}"
    );
}

// ---- apply (no cluster: the messages a cluster would send are fed by hand) --------------------

fn info() -> ContextInfo {
    ContextInfo {
        context: "kind-test".into(),
        cluster: "kind-cluster".into(),
        server: "https://127.0.0.1:6443".into(),
        user: "kind-admin".into(),
        namespace: "team-a".into(),
    }
}

/// Review of rootless-no-priv, connected to `info()`.
fn connected_review() -> App {
    let mut app = walk(1, 1);
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

/// `a` → the dry-run effect; the dry-run's answer (every object valid) → the confirmation.
fn to_confirmation(app: &mut App) -> ApplyPlan {
    let fx = press(app, KeyCode::Char('a'));
    let [Effect::Apply { plan, dry_run, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert!(*dry_run, "the first effect of `a` only dry-runs");
    let plan = (**plan).clone();
    assert_eq!(plan.info, info());
    assert_eq!(podwiz::tui::update::context(app), Context::Apply);
    for index in 0..plan.objects.len() {
        update(app, Msg::Apply(ApplyEvent::DryRunStarted { index }));
        // Ticks turn the spinner only while the dry-run runs.
        assert!(update(app, Msg::Tick).0);
        update(
            app,
            Msg::Apply(ApplyEvent::DryRunOk {
                index,
                warnings: vec![format!("warning about object {index}")],
            }),
        );
    }
    let report = ApplyReport {
        dry_run: true,
        objects: plan
            .objects
            .iter()
            .map(|o| ObjectResult {
                reference: o.reference(),
                namespace: o.namespace().map(str::to_string),
                existed: false,
                warnings: Vec::new(),
                outcome: Outcome::Validated,
            })
            .collect(),
        pod: None,
        usage: Vec::new(),
    };
    update(app, Msg::ApplyDone(Ok(report)));
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Confirm)
    );
    // Idle: a stray tick changes nothing and asks for no redraw.
    assert!(!update(app, Msg::Tick).0);
    plan
}

#[test]
fn apply_without_a_context_or_connection_changes_nothing() {
    let mut app = walk(1, 1);
    press(&mut app, KeyCode::Char('r'));
    for status in [
        ClusterStatus::Loading,
        ClusterStatus::NoContext("no kubeconfig".into()),
        ClusterStatus::Unreachable {
            context: "kind-test".into(),
            reason: "connection refused".into(),
        },
    ] {
        update(&mut app, Msg::Cluster(status.clone()));
        let fx = press(&mut app, KeyCode::Char('a'));
        assert!(fx.is_empty(), "{status:?}: {fx:?}");
        assert!(app.apply.is_none());
        assert_eq!(app.screen, Screen::Review);
        let (kind, text) = app.status.clone().expect("status");
        assert_eq!(kind, StatusKind::Error);
        assert!(text.contains("nothing was applied"), "{text}");
    }
}

#[test]
fn the_confirmation_names_context_server_user_namespace_and_every_object() {
    let mut app = connected_review();
    let plan = to_confirmation(&mut app);
    let text = screen_text(&mut app);
    for needle in [
        "kind-test",
        "https://127.0.0.1:6443",
        "kind-admin",
        "Namespace: team-a",
        "y/Enter",
        "n/Esc",
        "warning about object 0",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    assert!(plan.objects.len() >= 2);
    for index in 0..plan.objects.len() {
        assert!(
            text.contains(&plan.label(index)),
            "{} not in\n{text}",
            plan.label(index)
        );
    }
    // y (or Enter) confirms: the real apply, with the same plan.
    let fx = press(&mut app, KeyCode::Char('y'));
    let [
        Effect::Apply {
            plan: p, dry_run, ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert!(!dry_run);
    assert_eq!(**p, plan);
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Applying)
    );
    // Running: Esc does not close, y does not start a second apply.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    assert!(app.apply.is_some());
    // Writing: the first Ctrl-C only warns (quitting now leaves a half-applied bundle and no
    // rollback); the second quits.
    let ctrl_c = || Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let mut writing = app.clone();
    let (_, fx) = update(&mut writing, ctrl_c());
    assert!(fx.is_empty(), "{fx:?}");
    assert!(!writing.quit);
    let (kind, text) = writing.status.clone().expect("a warning");
    assert_eq!(kind, StatusKind::Error);
    assert!(
        text.contains("quit again") && text.contains("without rollback"),
        "{text}"
    );
    let (_, fx) = update(&mut writing, ctrl_c());
    assert!(matches!(fx.as_slice(), [Effect::Quit]), "{fx:?}");
    assert!(writing.quit);
    // Once the apply has ended, one Ctrl-C quits again.
    let mut done = app.clone();
    update(&mut done, ctrl_c());
    update(&mut done, Msg::ApplyDone(Err("a write failed".into())));
    assert!(!done.quit_armed);
    let (_, fx) = update(&mut done, ctrl_c());
    assert!(matches!(fx.as_slice(), [Effect::Quit]), "{fx:?}");

    let mut app = connected_review();
    to_confirmation(&mut app);
    let fx = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Apply { dry_run: false, .. }]
    ));
}

#[test]
fn n_or_esc_cancel_the_confirmation_without_writing() {
    for key in [KeyCode::Char('n'), KeyCode::Esc] {
        let mut app = connected_review();
        to_confirmation(&mut app);
        let fx = press(&mut app, key);
        assert!(fx.is_empty(), "{key:?}: {fx:?}");
        assert!(app.apply.is_none());
        assert_eq!(app.screen, Screen::Review);
        let (_, text) = app.status.clone().expect("status");
        assert!(text.contains("nothing was written"), "{text}");
    }
}

#[test]
fn a_rejected_dry_run_refuses_to_confirm() {
    let mut app = connected_review();
    press(&mut app, KeyCode::Char('a'));
    let message =
        "pods \"no-priv\" is forbidden: violates PodSecurity \"baseline:latest\": privileged";
    update(
        &mut app,
        Msg::Apply(ApplyEvent::DryRunFailed {
            index: 1,
            message: message.into(),
        }),
    );
    update(
        &mut app,
        Msg::ApplyDone(Err(format!(
            "the API server rejected Pod/no-priv: {message}; nothing was applied"
        ))),
    );
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Rejected)
    );
    for key in [KeyCode::Char('y'), KeyCode::Enter] {
        assert!(press(&mut app, key).is_empty());
    }
    let text = screen_text(&mut app);
    assert!(text.contains("REJECTED"), "{text}");
    assert!(text.contains("confirming is refused"), "{text}");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.apply.is_none());
}

#[test]
fn a_failed_write_reports_the_rollback_exactly() {
    let mut app = connected_review();
    let plan = to_confirmation(&mut app);
    press(&mut app, KeyCode::Char('y'));
    let events = [
        ApplyEvent::Applying { index: 0 },
        ApplyEvent::Applied {
            index: 0,
            created: true,
            changed: true,
            warnings: Vec::new(),
        },
        ApplyEvent::Applying { index: 1 },
        ApplyEvent::Failed {
            index: 1,
            message: "the name in the body differs".into(),
        },
        ApplyEvent::RolledBack {
            index: 0,
            note: None,
        },
    ];
    for e in events {
        update(&mut app, Msg::Apply(e));
    }
    let error = format!(
        "apply failed: {}: the name in the body differs; rolled back: deleted {} (created by this apply)",
        plan.objects[1].reference(),
        plan.objects[0].reference()
    );
    update(&mut app, Msg::ApplyDone(Err(error.clone())));
    let panel = app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Failed);
    assert_eq!(panel.error.as_deref(), Some(error.as_str()));
    assert_eq!(panel.objects[0].state, ObjectState::RolledBack(None));
    let text = screen_text(&mut app);
    assert!(text.contains("rolled back: deleted again"), "{text}");
    assert!(
        text.contains("FAILED: the name in the body differs"),
        "{text}"
    );
    assert!(text.contains("apply failed:"), "{text}");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.apply.is_none());
}

#[test]
fn risky_lines_are_marked_and_explained() {
    let mut app = walk(0, 0); // rootful-priv
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Tab); // the Pod
    assert!(app.current_doc().expect("doc").title.starts_with("Pod "));
    // `n` walks the marked lines (the image tag and the securityContext come first).
    let on_privileged = |app: &App| {
        app.current_doc()
            .and_then(|d| d.yaml.lines().nth(app.line))
            .is_some_and(|l| l.trim() == "privileged: true")
    };
    for _ in 0..5 {
        if on_privileged(&app) {
            break;
        }
        press(&mut app, KeyCode::Char('n'));
    }
    assert!(on_privileged(&app));
    let doc = app.current_doc().expect("doc");
    let finding = &app.preview.as_ref().expect("p").security.findings[doc.risks[app.line][0]];
    assert_eq!(
        finding.field,
        "spec.containers[0].securityContext.privileged"
    );
    // The All tab carries the same mark at the Pod's place in the stream.
    press(&mut app, KeyCode::BackTab);
    for _ in 0..5 {
        if on_privileged(&app) {
            break;
        }
        press(&mut app, KeyCode::Char('n'));
    }
    assert_eq!(app.current_doc().expect("doc").title, "All");
    assert!(on_privileged(&app));
}

#[test]
fn compare_and_help_are_one_key_away_everywhere() {
    let mut app = App::new(Theme::mono());
    for step in 0..5 {
        press(&mut app, KeyCode::Char('m'));
        assert!(app.overlay.is_some(), "step {step}");
        press(&mut app, KeyCode::Esc);
        assert!(app.overlay.is_none());
        press(&mut app, KeyCode::Char('?'));
        assert!(app.overlay.is_some());
        press(&mut app, KeyCode::Char('?'));
        assert!(app.overlay.is_none());
        if step < 3 {
            press(&mut app, KeyCode::Enter);
        } else {
            press(&mut app, KeyCode::Char('r'));
        }
    }
    assert_eq!(app.screen, Screen::Review);
}

/// Step a choice row `n` times to the right.
fn right(app: &mut App, field: Field, n: usize) {
    focus(app, field);
    for _ in 0..n {
        press(app, KeyCode::Right);
    }
}

/// Focus a text row, type `text` into it, and finish.
fn type_into(app: &mut App, field: Field, text: &str) {
    focus(app, field);
    press(app, KeyCode::Enter);
    assert!(app.editing, "{field:?} is a text row");
    typ(app, text);
    press(app, KeyCode::Enter);
}

fn level(app: &App) -> podwiz::security::pss::Level {
    app.preview.as_ref().expect("preview").security.pss.level
}

/// The AppArmor, token, policy version and schedule rows give exactly the bundle
/// `podwiz generate` gives with the same flags, and `cli_args` names those flags.
#[test]
fn the_new_option_rows_give_what_generate_gives_with_the_same_flags() {
    type Case = (fn(&mut App), &'static str, &'static [&'static str]);
    let cases: &[Case] = &[
        (
            |a| right(a, Field::Apparmor, 2),
            "rootless-no-priv --apparmor unconfined",
            &["rootless-no-priv", "--apparmor", "unconfined"],
        ),
        (
            |a| right(a, Field::Apparmor, 1),
            "rootless-no-priv --apparmor runtime-default",
            &["rootless-no-priv", "--apparmor", "runtime-default"],
        ),
        (
            // An empty profile name takes podwiz's suggested one.
            |a| right(a, Field::Apparmor, 3),
            "rootless-no-priv --apparmor localhost:podwiz-podman",
            &["rootless-no-priv", "--apparmor", "localhost:podwiz-podman"],
        ),
        (
            |a| {
                right(a, Field::Apparmor, 3);
                type_into(a, Field::ApparmorProfile, "ci-podman");
            },
            "rootless-no-priv --apparmor localhost:ci-podman",
            &["rootless-no-priv", "--apparmor", "localhost:ci-podman"],
        ),
        (
            |a| right(a, Field::ServiceAccountToken, 1),
            "rootless-no-priv --service-account-token",
            &["rootless-no-priv", "--service-account-token"],
        ),
        (
            |a| {
                type_into(a, Field::Namespace, "ci");
                right(a, Field::CreateNamespace, 1);
                // ← from latest: the newest numbered version, then older ones.
                focus(a, Field::PolicyVersion);
                for _ in 0..8 {
                    press(a, KeyCode::Left);
                }
            },
            "rootless-no-priv -n ci --create-namespace --policy-version v1.30",
            &[
                "rootless-no-priv",
                "-n",
                "ci",
                "--create-namespace",
                "--policy-version",
                "v1.30",
            ],
        ),
        (
            |a| right(a, Field::Kind, 4),
            "rootless-no-priv --kind cronjob",
            &["rootless-no-priv", "--kind", "cronjob"],
        ),
        (
            |a| {
                right(a, Field::Kind, 4);
                type_into(a, Field::Schedule, "*/15 * * * 1-5");
            },
            "rootless-no-priv --kind cronjob --schedule '*/15 * * * 1-5'",
            &[
                "rootless-no-priv",
                "--kind",
                "cronjob",
                "--schedule",
                "*/15 * * * 1-5",
            ],
        ),
    ];
    for (set, cli, args) in cases {
        let mut app = walk(1, 1);
        set(&mut app);
        assert_eq!(app.error, None, "{cli}");
        assert_eq!(app.cli_args(), *cli);
        press(&mut app, KeyCode::Char('r'));
        assert_eq!(app.screen, Screen::Review, "{cli}: {:?}", app.error);
        let preview = app.preview.as_ref().expect("preview");
        assert_eq!(preview.all_yaml, generate(args), "{cli}");
        // The saved files are the CLI's too: `generate --out-dir` writes the same ones.
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let mut with_dir: Vec<&str> = args.to_vec();
        let out_str = out.to_str().expect("utf-8 path");
        with_dir.extend(["--out-dir", out_str]);
        generate(&with_dir);
        for file in render::out_dir_files(&preview.bundle).expect("files") {
            let written = std::fs::read_to_string(out.join(&file.path))
                .unwrap_or_else(|e| panic!("{cli}: {} not written: {e}", file.path));
            assert_eq!(written, file.content, "{cli}: {}", file.path);
        }
    }
}

/// Each row's choice shows in the level: unconfined leaves baseline, a localhost profile keeps
/// it; the token adds its finding; an older policy version judges container_engine_t as
/// privileged (it passes baseline from v1.31).
#[test]
fn apparmor_token_and_policy_version_change_the_level_and_the_findings() {
    use podwiz::security::pss::{Level, PolicyVersion};
    let mut app = walk(1, 1);
    assert_eq!(level(&app), Level::Baseline);
    right(&mut app, Field::Apparmor, 2);
    assert_eq!(
        app.form.choice(Field::Apparmor).as_deref(),
        Some("unconfined")
    );
    assert_eq!(level(&app), Level::Privileged);
    let yaml = &app.preview.as_ref().expect("preview").all_yaml;
    assert!(yaml.contains("type: Unconfined"), "{yaml}");
    press(&mut app, KeyCode::Right); // localhost
    assert_eq!(level(&app), Level::Baseline);
    assert!(app.fields().contains(&Field::ApparmorProfile));
    let preview = app.preview.as_ref().expect("preview");
    assert!(
        preview.bundle.host_steps.iter().any(|s| s
            .files
            .iter()
            .any(|f| f.path == "/etc/apparmor.d/podwiz-podman")),
        "the profile is a host step"
    );
    press(&mut app, KeyCode::Right); // back to the default
    assert!(!app.fields().contains(&Field::ApparmorProfile));
    assert_eq!(level(&app), Level::Baseline);

    let token = |app: &App| {
        app.preview
            .as_ref()
            .expect("preview")
            .security
            .findings
            .iter()
            .any(|f| f.id == "service-account-token")
    };
    assert!(!token(&app));
    assert!(
        app.preview
            .as_ref()
            .expect("preview")
            .all_yaml
            .contains("automountServiceAccountToken: false")
    );
    right(&mut app, Field::ServiceAccountToken, 1);
    assert!(app.form.service_account_token);
    assert!(token(&app), "a mounted token is a finding");
    press(&mut app, KeyCode::Enter); // Enter takes the next value of a choice: off again
    assert!(!token(&app));

    focus(&mut app, Field::PolicyVersion);
    for _ in 0..7 {
        press(&mut app, KeyCode::Left);
    }
    assert_eq!(app.policy_version(), PolicyVersion::V(31));
    assert_eq!(level(&app), Level::Baseline);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.policy_version(), PolicyVersion::V(30));
    assert_eq!(
        level(&app),
        Level::Privileged,
        "container_engine_t before v1.31"
    );
    let preview = app.preview.as_ref().expect("preview");
    assert_eq!(preview.security.pss.version, PolicyVersion::V(30));
    assert!(
        preview
            .all_yaml
            .contains("Your pod: Pod Security level privileged (policy v1.30)"),
        "{}",
        preview.all_yaml
    );
    // Right back up to latest: the default again, and the flag is gone.
    for _ in 0..8 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(app.form.policy_version, None);
    assert_eq!(app.policy_version(), PolicyVersion::Latest);
    assert_eq!(app.cli_args(), "rootless-no-priv");
}

/// The rows only show where they apply: AppArmor in the non-privileged modes (the profile name
/// under a Localhost choice), the schedule under the cronjob kind; the token and policy rows
/// everywhere.
#[test]
fn the_new_rows_show_only_where_they_apply() {
    for (runs, way, mode) in [
        (0, 0, Mode::RootfulPriv),
        (0, 1, Mode::RootfulNoPriv),
        (0, 2, Mode::Remote),
        (0, 3, Mode::Userns),
        (1, 0, Mode::RootlessPriv),
        (1, 1, Mode::RootlessNoPriv),
    ] {
        let mut app = walk(runs, way);
        assert_eq!(app.mode, mode);
        let fields = app.fields();
        assert_eq!(
            fields.contains(&Field::Apparmor),
            podwiz::scenario::options::Applicable::for_mode(mode).apparmor,
            "{mode}"
        );
        assert!(!fields.contains(&Field::ApparmorProfile), "{mode}");
        assert!(!fields.contains(&Field::Schedule), "{mode}");
        assert!(fields.contains(&Field::ServiceAccountToken), "{mode}");
        assert!(fields.contains(&Field::PolicyVersion), "{mode}");
        right(&mut app, Field::Kind, 4);
        assert_eq!(app.form.kind, Some(podwiz::scenario::Kind::CronJob));
        let fields = app.fields();
        let kind = fields.iter().position(|f| *f == Field::Kind);
        let schedule = fields.iter().position(|f| *f == Field::Schedule);
        assert_eq!(schedule, kind.map(|k| k + 1), "{mode}: under the kind");
    }
    // An AppArmor choice made in a mode that takes it is not carried into one that does not.
    let mut app = walk(1, 1);
    right(&mut app, Field::Apparmor, 2);
    press(&mut app, KeyCode::Esc); // step 3
    press(&mut app, KeyCode::Up); // privileged
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::RootlessPriv);
    assert_eq!(app.error, None);
    assert_eq!(app.options().expect("valid").apparmor, None);
}

/// A bad profile name or schedule blocks with the CLI's message, on its own row, and going on
/// to Review puts the cursor there.
#[test]
fn a_bad_profile_name_or_schedule_blocks_on_its_own_row() {
    let cli_error = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
            .arg("generate")
            .args(args)
            .output()
            .expect("run podwiz");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let mut app = walk(1, 1);
    right(&mut app, Field::Apparmor, 3);
    type_into(&mut app, Field::ApparmorProfile, "Bad/Name");
    let (field, message) = app.error.clone().expect("an error");
    assert_eq!(field, Field::ApparmorProfile);
    assert_eq!(
        message,
        "invalid value 'localhost:Bad/Name' for '--apparmor': the profile name must be 1-253 letters, digits, '.', '_' or '-', not starting with '.' or '-'"
    );
    // The CLI refuses the same value with the same rule (clap words its prefix).
    let cli = cli_error(&["rootless-no-priv", "--apparmor", "localhost:Bad/Name"]);
    assert!(
        cli.contains("the profile name must be 1-253 letters"),
        "{cli}"
    );
    focus(&mut app, Field::Name);
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Options);
    assert_eq!(app.focused_field(), Field::ApparmorProfile);
    // Emptying the name falls back to the suggested profile: valid again.
    press(&mut app, KeyCode::Enter);
    for _ in 0.."Bad/Name".len() {
        press(&mut app, KeyCode::Backspace);
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.error, None);

    let mut app = walk(1, 1);
    right(&mut app, Field::Kind, 4);
    type_into(&mut app, Field::Schedule, "every day");
    let (field, message) = app.error.clone().expect("an error");
    assert_eq!(field, Field::Schedule);
    let cli = cli_error(&[
        "rootless-no-priv",
        "--kind",
        "cronjob",
        "--schedule",
        "every day",
    ]);
    assert_eq!(cli.trim().trim_start_matches("podwiz: "), message);
    focus(&mut app, Field::Continue);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Options);
    assert_eq!(app.focused_field(), Field::Schedule);
    // Another kind: the typed schedule is kept but not used, so it blocks nothing.
    right(&mut app, Field::Kind, 1);
    assert_eq!(app.error, None);
    assert_eq!(app.form.schedule, "every day");
    assert_eq!(Field::for_flag("--schedule"), Some(Field::Schedule));
    assert_eq!(Field::for_flag("--apparmor"), Some(Field::Apparmor));
    assert_eq!(Field::for_flag("--kind"), Some(Field::Kind));
}
