//! The update function: paths to each mode, back keeps input, invalid input blocks with the CLI's
//! message, the preview equals `podwiz generate`, copy and save effects.

use std::process::Command;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use podwiz::render;
use podwiz::scenario::{self, Mode, Options, Storage};
use podwiz::tui::msg::{Effect, Msg, SaveOutcome};
use podwiz::tui::state::{Field, Screen, StatusKind};
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

    press(&mut app, KeyCode::Char('a'));
    let (_, status) = app.status.clone().expect("status");
    assert_eq!(
        status,
        "apply: available via `podwiz apply rootless-no-priv` (it asks before writing)"
    );
}

#[test]
fn risky_lines_are_marked_and_explained() {
    let mut app = walk(0, 0); // rootful-priv
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Tab); // the Pod
    assert!(app.current_doc().expect("doc").title.starts_with("Pod "));
    press(&mut app, KeyCode::Char('n'));
    let doc = app.current_doc().expect("doc");
    let line = doc.yaml.lines().nth(app.line).expect("line");
    assert_eq!(line.trim(), "privileged: true");
    let finding = &app.preview.as_ref().expect("p").security.findings[doc.risks[app.line][0]];
    assert_eq!(
        finding.field,
        "spec.containers[0].securityContext.privileged"
    );
    // The All tab carries the same mark at the Pod's place in the stream.
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::Char('n'));
    let doc = app.current_doc().expect("doc");
    assert_eq!(doc.title, "All");
    assert_eq!(
        doc.yaml.lines().nth(app.line).map(str::trim),
        Some("privileged: true")
    );
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
