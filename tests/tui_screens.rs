//! Every wizard screen rendered with ratatui's TestBackend at 120×40 and 80×24, in the dark and
//! mono themes, snapshotted as text; plus cell-style checks text snapshots cannot make.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use podwiz::tui::msg::{Msg, SaveOutcome};
use podwiz::tui::state::{ClusterStatus, Field};
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

/// On the options screen: move the cursor to the row labelled `label`.
fn focus_row(app: &mut App, label: &str) {
    for _ in 0..30 {
        press(app, KeyCode::Up);
    }
    for _ in 0..30 {
        if app.focused_field().label() == label {
            return;
        }
        press(app, KeyCode::Down);
    }
    panic!("no row {label} on the form");
}

/// On the options screen: AppArmor localhost (the profile name row) and a CronJob (the
/// schedule row), the cursor on the schedule.
fn localhost_cronjob(app: &mut App) {
    focus_row(app, "AppArmor");
    for _ in 0..3 {
        press(app, KeyCode::Right);
    }
    focus_row(app, "Workload");
    for _ in 0..4 {
        press(app, KeyCode::Right);
    }
    focus_row(app, "  schedule");
}

fn to_localhost_cronjob_options(app: &mut App) {
    to_options(app);
    localhost_cronjob(app);
}

/// Options: the policy version set to v1.30 (← eight times from latest), then back to step 3.
fn to_privilege_at_v1_30(app: &mut App) {
    to_options(app);
    focus_row(app, "Policy version");
    for _ in 0..8 {
        press(app, KeyCode::Left);
    }
    press(app, KeyCode::Esc);
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
    ("options_localhost_cronjob", to_localhost_cronjob_options),
    ("options_unconfined", |a| {
        to_options(a);
        focus_row(a, "AppArmor");
        press(a, KeyCode::Right);
        press(a, KeyCode::Right);
    }),
    ("privilege_v1_30", to_privilege_at_v1_30),
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
    let walks: [(&str, Setup); 4] = [
        ("rootless-no-priv", to_options),
        ("userns", to_userns_options),
        // The profile name and schedule rows, and the Localhost profile's own explanation.
        ("rootless-no-priv", to_localhost_cronjob_options),
        ("rootless-no-priv", |a| {
            to_options(a);
            focus_row(a, "AppArmor");
            press(a, KeyCode::Right);
            press(a, KeyCode::Right);
        }),
    ];
    for ((mode, walk), (w, h)) in walks
        .iter()
        .flat_map(|walk| [(*walk, (80, 24)), (*walk, (120, 40))])
    {
        let mut app = new_app(&Theme::mono());
        walk(&mut app);
        assert_eq!(app.mode.id(), mode);
        for _ in 0..30 {
            press(&mut app, KeyCode::Up);
        }
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

/// The AppArmor row's explanation says what each choice costs, in the shared texts: the
/// runtime default's denied mounts, unconfined leaving baseline, Localhost not verified.
#[test]
fn the_apparmor_row_explains_each_choice_plainly() {
    let mut app = new_app(&Theme::mono());
    to_options(&mut app);
    focus_row(&mut app, "AppArmor");
    for (press_right, want) in [
        (false, "denies mount"),
        (true, "denies mount"),
        (true, "leaves Pod Security baseline"),
        (true, "Not verified"),
    ] {
        if press_right {
            press(&mut app, KeyCode::Right);
        }
        let rows = why_panel_rows(&draw(&mut app, 120, 40)).join(" ");
        let rows = rows.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(rows.contains(want), "{want}: {rows}");
    }
}

/// Steps 2 and 3 price every choice at the Options row's policy version: at v1.30
/// container_engine_t is not baseline yet, so not privileged is privileged there, and the
/// version is named above the choices.
#[test]
fn the_prices_follow_the_policy_version() {
    for (w, h) in [(120u16, 40u16), (80, 24)] {
        let text = view::buffer_text(&screen(&Theme::mono(), "privilege_v1_30", w, h));
        let lines: Vec<&str> = text.lines().collect();
        let at = |needle: &str| {
            lines
                .iter()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle} missing at {w}x{h}:\n{text}"))
        };
        at("Levels at Pod Security policy v1.30");
        let unprivileged = at("Not privileged");
        assert!(
            lines[unprivileged + 2].contains("[ PRIVILEGED ] · root on the node: no"),
            "{text}"
        );
        let mut app = new_app(&Theme::mono());
        to_privilege_at_v1_30(&mut app);
        press(&mut app, KeyCode::Esc); // step 2
        let text = view::buffer_text(&draw(&mut app, w, h));
        assert!(
            text.contains("Levels at Pod Security policy v1.30"),
            "{text}"
        );
        assert!(
            !text.contains("[ BASELINE ]"),
            "nothing is baseline at v1.30:\n{text}"
        );
    }
    // At latest (the default) there is no note and not privileged is baseline.
    let text = view::buffer_text(&screen(&Theme::mono(), "privilege", 120, 40));
    assert!(!text.contains("Levels at Pod Security policy"), "{text}");
}

/// The options' level badge follows the choices: unconfined AppArmor makes the pod privileged.
#[test]
fn the_options_badge_follows_the_apparmor_choice() {
    for (w, h) in [(120u16, 40u16), (80, 24)] {
        let text = view::buffer_text(&screen(&Theme::mono(), "options", w, h));
        assert!(
            text.contains("Mode rootless-no-priv [ BASELINE ]"),
            "{text}"
        );
        let text = view::buffer_text(&screen(&Theme::mono(), "options_unconfined", w, h));
        assert!(
            text.contains("Mode rootless-no-priv [ PRIVILEGED ]"),
            "{text}"
        );
        assert!(text.contains("‹ unconfined ›"), "{text}");
    }
}

/// When the rows do not fit (80x24, many rows, an error below them), the spacers go, then the
/// form scrolls so the focused row is always on screen and says that rows are hidden; the mode
/// line stays.
#[test]
fn the_focused_row_is_always_on_screen() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        for with_error in [false, true] {
            // userns with both extra rows has the most rows of any form.
            let mut app = new_app(&Theme::mono());
            to_userns_options(&mut app);
            localhost_cronjob(&mut app);
            if with_error {
                press(&mut app, KeyCode::Enter);
                typ(&mut app, "every day");
                press(&mut app, KeyCode::Enter);
                assert_eq!(app.error.as_ref().map(|e| e.0), Some(Field::Schedule));
            }
            for _ in 0..30 {
                press(&mut app, KeyCode::Up);
            }
            let mut hidden = false;
            for i in 0..app.fields().len() {
                let text = view::buffer_text(&draw(&mut app, w, h));
                let focused = app.focused_field();
                let want = match focused {
                    Field::Continue => format!("▶ ▷ {}", focused.label()),
                    _ => format!("▶ {}", focused.label()),
                };
                assert!(text.contains(&want), "{w}x{h} row {i} {want}:\n{text}");
                assert!(text.contains("Mode userns"), "{text}");
                if with_error {
                    assert!(text.contains("Fix this to continue"), "{text}");
                    assert!(text.contains("'every day' for '--schedule'"), "{text}");
                }
                hidden |= text.contains("more rows");
                press(&mut app, KeyCode::Down);
            }
            assert_eq!(hidden, with_error && h == 24, "{w}x{h} error: {with_error}");
        }
    }
}

/// The compare overlay judges the modes at the Options row's policy version and says so.
#[test]
fn compare_follows_the_policy_version() {
    let row = |text: &str, mode: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {mode} ")))
            .unwrap_or_else(|| panic!("{mode} row:\n{text}"))
            .to_string()
    };
    let mut app = new_app(&Theme::mono());
    to_options(&mut app);
    press(&mut app, KeyCode::Char('m'));
    let text = view::buffer_text(&draw(&mut app, 120, 40));
    assert!(!text.contains("at policy"), "{text}");
    assert!(
        row(&text, "rootless-no-priv").contains("baseline"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('m'));
    focus_row(&mut app, "Policy version");
    for _ in 0..8 {
        press(&mut app, KeyCode::Left);
    }
    press(&mut app, KeyCode::Char('m'));
    let text = view::buffer_text(&draw(&mut app, 120, 40));
    assert!(text.contains("at policy v1.30"), "{text}");
    let line = row(&text, "rootless-no-priv");
    assert!(
        line.contains("privileged") && !line.contains("baseline"),
        "{line}"
    );
}
