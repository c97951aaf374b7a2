//! The wizard offers the workload kind in Options: the Review shows the workload, its
//! findings point at the workload's lines, and the CLI line and preview match `generate --kind`.

use std::process::Command;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use podwiz::scenario::Kind;
use podwiz::tui::msg::Msg;
use podwiz::tui::state::{Field, Screen};
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme};

fn press(app: &mut App, code: KeyCode) {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
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

/// Start → root → user namespace → options.
fn userns_options() -> App {
    let mut app = App::new(Theme::mono());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Options);
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
fn the_kind_row_cycles_through_the_workloads_and_the_review_shows_the_workload() {
    let mut app = userns_options();
    focus(&mut app, Field::Kind);
    assert_eq!(app.form.kind, None, "default: a bare Pod");
    assert_eq!(app.explain_key(), "kind.pod");
    let mut seen = Vec::new();
    for _ in 0..5 {
        press(&mut app, KeyCode::Right);
        seen.push(app.form.kind);
    }
    assert_eq!(
        seen,
        [
            Some(Kind::Job),
            Some(Kind::Deployment),
            Some(Kind::StatefulSet),
            Some(Kind::CronJob),
            None
        ]
    );
    press(&mut app, KeyCode::Right); // job
    assert_eq!(app.explain_key(), "kind.job");
    // The live preview beside the form shows the Job, with the Why panel's text for it.
    let text = screen_text(&mut app);
    assert!(
        text.contains("Job (live)") && text.contains("kind: Job"),
        "{text}"
    );
    assert!(
        text.contains("Job: a build that runs to completion"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.screen, Screen::Review, "{:?}", app.error);
    assert_eq!(app.cli_args(), "userns --kind job");
    let preview = app.preview.as_ref().expect("preview");
    let out = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(["generate", "userns", "--kind", "job"])
        .output()
        .expect("run podwiz");
    assert_eq!(preview.all_yaml, String::from_utf8_lossy(&out.stdout));
    let job = preview
        .docs
        .iter()
        .find(|d| d.title == "Job podman-userns")
        .expect("a Job tab");
    assert!(!preview.docs.iter().any(|d| d.title.starts_with("Pod ")));
    // The SYS_ADMIN finding marks a line of the Job's YAML.
    assert!(
        job.risks.iter().any(|r| !r.is_empty()),
        "no marked line in the Job"
    );
}
