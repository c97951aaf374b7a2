//! Rendering the Review screen at 120×40 into a TestBackend (target: ≤ 1 ms per frame).
//! Needs `[[bench]] name = "render" harness = false` in Cargo.toml.
#![allow(dead_code)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use podwiz::tui::msg::Msg;
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme, view};

fn review_app() -> App {
    let mut app = App::new(Theme::dark());
    for code in [
        KeyCode::Enter,
        KeyCode::Down,
        KeyCode::Enter,
        KeyCode::Down,
        KeyCode::Enter,
        KeyCode::Char('r'),
        KeyCode::Tab,
        KeyCode::Tab,
        KeyCode::Char('n'),
    ] {
        update(&mut app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    update(&mut app, Msg::Resize(120, 40));
    app
}

fn bench_review(c: &mut Criterion) {
    let app = review_app();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
    c.bench_function("review_screen_120x40", |b| {
        b.iter(|| {
            terminal.draw(|f| view::draw(f, &app)).expect("draw");
        })
    });
    let mut app = review_app();
    c.bench_function("update_and_preview_rebuild", |b| {
        b.iter(|| {
            app.refresh();
        })
    });
}

criterion_group!(benches, bench_review);
criterion_main!(benches);
