//! Every wizard screen rendered with ratatui's TestBackend at 120×40 and 80×24, in the dark and
//! mono themes, snapshotted as text; plus cell-style checks text snapshots cannot make.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use podwiz::tui::msg::{Msg, SaveOutcome};
use podwiz::tui::state::ClusterStatus;
use podwiz::tui::update::update;
use podwiz::tui::{App, Theme, view};

fn press(app: &mut App, code: KeyCode) {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn new_app(theme: &Theme) -> App {
    let mut app = App::new(theme.clone());
    update(
        &mut app,
        Msg::Cluster(ClusterStatus::NoContext("no kubeconfig".into())),
    );
    app
}

/// From the start screen to the options of rootless-no-priv.
fn to_options(app: &mut App) {
    press(app, KeyCode::Enter); // start → runs
    press(app, KeyCode::Down); // rootless
    press(app, KeyCode::Enter);
    press(app, KeyCode::Down); // not privileged
    press(app, KeyCode::Enter);
}

/// From the start screen to the options of userns (as root, the fourth way).
fn to_userns_options(app: &mut App) {
    press(app, KeyCode::Enter);
    press(app, KeyCode::Enter);
    for _ in 0..3 {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);
}

fn to_review(app: &mut App) {
    to_options(app);
    press(app, KeyCode::Char('r'));
}

type Setup = fn(&mut App);

const SCREENS: &[(&str, Setup)] = &[
    ("start", |_| {}),
    ("runs", |a| press(a, KeyCode::Enter)),
    ("privilege", |a| {
        press(a, KeyCode::Enter);
        press(a, KeyCode::Down);
        press(a, KeyCode::Enter);
    }),
    ("options", to_options),
    ("options_editing", |a| {
        to_options(a);
        press(a, KeyCode::Enter);
        typ(a, "ci-builder");
    }),
    ("options_error", |a| {
        to_options(a);
        press(a, KeyCode::Enter);
        typ(a, "Bad_Name");
        press(a, KeyCode::Enter);
    }),
    ("options_userns", to_userns_options),
    ("review", to_review),
    ("review_pod_risk", |a| {
        to_review(a);
        press(a, KeyCode::Tab);
        press(a, KeyCode::Tab);
        press(a, KeyCode::Char('n'));
    }),
    ("review_host_steps", |a| {
        to_review(a);
        press(a, KeyCode::BackTab);
    }),
    ("review_rootful_priv", |a| {
        press(a, KeyCode::Enter);
        press(a, KeyCode::Enter);
        press(a, KeyCode::Enter);
        press(a, KeyCode::Char('r'));
        press(a, KeyCode::Char('n'));
    }),
    ("save_prompt", |a| {
        to_review(a);
        press(a, KeyCode::Char('s'));
    }),
    ("save_confirm", |a| {
        to_review(a);
        press(a, KeyCode::Char('s'));
        update(
            a,
            Msg::Saved(SaveOutcome::NotEmpty {
                dir: "./podwiz-rootless-no-priv".into(),
            }),
        );
    }),
    ("compare", |a| {
        to_options(a);
        press(a, KeyCode::Char('m'));
    }),
    ("help", |a| {
        to_review(a);
        press(a, KeyCode::Char('?'));
    }),
];

fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    update(app, Msg::Resize(w, h));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal
        .draw(|f| view::draw(f, app))
        .expect("draw into the test backend");
    terminal.backend().buffer().clone()
}

fn screen(theme: &Theme, name: &str, w: u16, h: u16) -> Buffer {
    let (_, setup) = SCREENS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("known screen");
    let mut app = new_app(theme);
    setup(&mut app);
    draw(&mut app, w, h)
}

fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in 0..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        let text: String = row.concat();
        if let Some(byte) = text.find(needle) {
            let col = text[..byte].chars().count() as u16;
            return Some((col, y));
        }
    }
    None
}

#[test]
fn every_screen_at_both_sizes_in_dark_and_mono() {
    for theme in [Theme::dark(), Theme::mono()] {
        for (name, _) in SCREENS {
            for (w, h) in [(120u16, 40u16), (80, 24)] {
                let buffer = screen(&theme, name, w, h);
                let text = view::buffer_text(&buffer);
                assert!(
                    !text.contains("Enlarge the terminal"),
                    "{name} {w}x{h} is big enough"
                );
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{}", theme.name), text);
            }
        }
        let mut app = new_app(&theme);
        to_review(&mut app);
        let text = view::buffer_text(&draw(&mut app, 79, 23));
        assert!(text.contains("Enlarge the terminal"), "{text}");
        assert!(text.contains("this one is 79×23"), "{text}");
        insta::assert_snapshot!(format!("too_small_79x23_{}", theme.name), text);
    }
}

#[test]
fn the_level_badge_is_coloured_in_dark() {
    let buffer = screen(&Theme::dark(), "review", 120, 40);
    let (x, y) = find(&buffer, "[ BASELINE ]").expect("badge on the review screen");
    let cell = &buffer[(x + 2, y)];
    assert_eq!(cell.bg, Color::Rgb(0xff, 0xd7, 0x5f));
    assert_eq!(cell.fg, Color::Black);
    assert!(cell.modifier.contains(Modifier::BOLD));

    let buffer = screen(&Theme::dark(), "review_rootful_priv", 120, 40);
    let (x, y) = find(&buffer, "[ PRIVILEGED ]").expect("badge");
    assert_eq!(buffer[(x + 2, y)].bg, Color::Rgb(0xd7, 0, 0));
}

#[test]
fn yaml_is_highlighted_with_the_theme() {
    let buffer = screen(&Theme::dark(), "review", 120, 40);
    let (x, y) = find(&buffer, "apiVersion: apps/v1").expect("yaml");
    assert_eq!(
        buffer[(x, y)].fg,
        Color::Rgb(0x87, 0xaf, 0xff),
        "key colour"
    );
    let (x, y) = find(&buffer, "---").expect("doc marker");
    assert_eq!(buffer[(x, y)].fg, Color::Rgb(0xd7, 0x87, 0xff));
    let (x, y) = find(&buffer, "# podwiz generate").expect("comment");
    assert!(buffer[(x, y)].modifier.contains(Modifier::ITALIC));
}

#[test]
fn mono_uses_no_colour_at_all() {
    for (name, _) in SCREENS {
        let buffer = screen(&Theme::mono(), name, 120, 40);
        for cell in buffer.content() {
            assert_eq!(cell.fg, Color::Reset, "{name}: fg of {:?}", cell.symbol());
            assert_eq!(cell.bg, Color::Reset, "{name}: bg of {:?}", cell.symbol());
        }
    }
}

#[test]
fn focus_is_visible_without_colour() {
    let buffer = screen(&Theme::mono(), "runs", 80, 24);
    let (x, y) = find(&buffer, "▶ As root").expect("a marked focused row");
    let cell = &buffer[(x + 2, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED));
    assert!(cell.modifier.contains(Modifier::BOLD));
    let (x, y) = find(&buffer, "Rootless (uid 1000").expect("unfocused row");
    assert!(!buffer[(x, y)].modifier.contains(Modifier::REVERSED));
    // The risk gutter and the badge carry symbols and text, not only styles.
    let buffer = screen(&Theme::mono(), "review_pod_risk", 120, 40);
    let text = view::buffer_text(&buffer);
    // The gutter carries the worst finding's severity symbol (`!!`, `!`, `~`, `-`, `i`).
    assert!(text.contains("▶- "), "cursor on a marked line:\n{text}");
    assert!(text.contains("! This line"), "{text}");
    assert!(text.contains("[ BASELINE ]"));
    let (x, y) = find(&buffer, "[ BASELINE ]").expect("badge");
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn every_theme_renders_the_review() {
    for name in podwiz::tui::theme::NAMES {
        let theme = Theme::builtin(name).expect("builtin theme");
        let buffer = screen(&theme, "review", 120, 40);
        assert!(view::buffer_text(&buffer).contains("Pod Security"));
    }
}

/// The README's picture of the wizard: `assets/review-screen.txt` must be what the Review screen
/// looks like now. Regenerate with `PODWIZ_UPDATE_SCREENSHOT=1 cargo test --test tui_screens`.
#[test]
fn the_readme_capture_of_the_review_screen_is_current() {
    let buffer = screen(&Theme::dark(), "review_pod_risk", 120, 40);
    let text = view::buffer_text(&buffer);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/review-screen.txt");
    if std::env::var_os("PODWIZ_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(&path, &text).expect("write assets/review-screen.txt");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "assets/review-screen.txt is stale; regenerate it with PODWIZ_UPDATE_SCREENSHOT=1 cargo test --test tui_screens"
    );
}

/// The text inside the "Why" panel of the options screen, one string per row.
fn why_panel_rows(buffer: &Buffer) -> Vec<String> {
    let (x0, y0) = find(buffer, "┌ Why").expect("the Why panel");
    let inner: Vec<String> = (y0 + 1..buffer.area.height)
        .map(|y| {
            (x0 + 1..buffer.area.width - 1)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect();
    let end = inner
        .iter()
        .position(|row| row.starts_with('─'))
        .expect("the Why panel's bottom border");
    inner[..end].to_vec()
}

#[test]
fn every_option_shows_its_whole_explanation_and_unbroken_sources_at_both_sizes() {
    let walks: [(&str, Setup); 2] = [
        ("rootless-no-priv", to_options),
        ("userns", to_userns_options),
    ];
    for ((mode, walk), (w, h)) in walks
        .iter()
        .flat_map(|walk| [(*walk, (80, 24)), (*walk, (120, 40))])
    {
        let mut app = new_app(&Theme::mono());
        walk(&mut app);
        assert_eq!(app.mode.id(), mode);
        for field in app.fields() {
            let buffer = draw(&mut app, w, h);
            let ex = view::explain(&app.explain_key())
                .unwrap_or_else(|| panic!("{mode}: no explanation for {field:?}"));
            let rows = why_panel_rows(&buffer);
            let first_source = rows
                .iter()
                .position(|r| r.starts_with("Source: "))
                .unwrap_or_else(|| panic!("{mode} {w}x{h} {field:?}: no source in {rows:#?}"));
            // Pieces of a wrapped URL join back without gaps; the last word is on screen.
            let joined: String = rows[first_source..]
                .iter()
                .flat_map(|r| r.split_whitespace())
                .collect();
            for word in ex.source.split_whitespace() {
                let word = word.trim_end_matches([';', ',']);
                assert!(
                    joined.contains(word),
                    "{mode} {w}x{h} {field:?}: '{word}' of the source is not in {rows:#?}"
                );
            }
            let text_words: String = rows[..first_source]
                .iter()
                .flat_map(|r| r.split_whitespace())
                .collect();
            let want: String = ex.text.split_whitespace().collect();
            assert!(
                text_words.contains(&want),
                "{mode} {w}x{h} {field:?}: the explanation is cut: {rows:#?}"
            );
            press(&mut app, KeyCode::Down);
        }
    }
}

/// Steps 2 and 3 show each choice's price on the choice's own lines, in words (never colour
/// alone), at both sizes; the Options footer says what Enter does there.
#[test]
fn choices_show_their_price_and_the_options_footer_is_true() {
    for (w, h) in [(120u16, 40u16), (80, 24)] {
        let text = view::buffer_text(&screen(&Theme::mono(), "runs", w, h));
        let lines: Vec<&str> = text.lines().collect();
        let at = |needle: &str| {
            lines
                .iter()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle} missing at {w}x{h}:\n{text}"))
        };
        // Each price sits between its own choice and the next one.
        let root = at("As root (uid 0");
        let rootless = at("Rootless (uid 1000");
        let root_price = at("at best [ PRIVILEGED ]");
        let root_node = at("root on the node: yes, except userns");
        assert!(root < root_price && root_price < root_node && root_node < rootless);
        let rootless_price = at("at best [ BASELINE ]");
        assert!(rootless < rootless_price, "{text}");
        assert!(lines[rootless_price + 1].contains("root on the node: yes, except"));
        let text = view::buffer_text(&screen(&Theme::mono(), "privilege", w, h));
        let lines: Vec<&str> = text.lines().collect();
        // Each price sits right under its own choice: privileged first, then not privileged.
        let at = |needle: &str| {
            lines
                .iter()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle} missing at {w}x{h}:\n{text}"))
        };
        let privileged = at("Privileged pod");
        let unprivileged = at("Not privileged");
        assert!(lines[privileged + 2].contains("[ PRIVILEGED ] · root on the node: yes"));
        assert!(lines[unprivileged + 2].contains("[ BASELINE ] · root on the node: no"));
        let text = view::buffer_text(&screen(&Theme::mono(), "options", w, h));
        let footer = text.lines().last().unwrap_or_default();
        assert!(footer.contains("Enter edit field"), "{w}x{h}: {footer}");
        assert!(!footer.contains("Enter next"), "{w}x{h}: {footer}");
    }
    let text = view::buffer_text(&screen(&Theme::mono(), "options", 120, 40));
    let footer = text.lines().last().unwrap_or_default();
    assert!(footer.contains("r on to Review"), "{footer}");
}
