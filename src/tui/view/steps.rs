//! Steps 1 to 4: start, root or rootless, privilege, options.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::review::{badge, level_style};
use super::{
    block, cluster_line, cursor_explanation, explain, explanation, focus_row, inner_width, wrap,
};
use crate::scenario::{Mode, Options, UsernsShape};
use crate::security;
use crate::security::pss::PolicyVersion;
use crate::tui::state::{App, Field, Runs, Way};

/// The fewest rows (borders included) worth showing the live Pod preview in.
const MIN_PREVIEW_ROWS: u16 = 8;

fn split(area: Rect) -> [Rect; 2] {
    let left = if area.width >= 110 { 56 } else { 46 };
    Layout::horizontal([Constraint::Length(left), Constraint::Min(20)]).areas(area)
}

pub fn start(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut lines = Vec::new();
    if let Some(ex) = explain("start") {
        lines.push(Line::styled(ex.title.as_str(), t.title));
        lines.push(Line::raw(""));
        lines.push(Line::styled(ex.text.as_str(), t.text));
        lines.push(Line::raw(""));
    }
    lines.extend([
        cluster_line(&app.cluster, t),
        Line::raw(""),
        Line::styled("The six modes:", t.accent),
    ]);
    for mode in Mode::ALL {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<17}", mode.id()), t.key),
            Span::styled(mode.summary(), t.text),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("Enter", t.key),
        Span::styled(" starts the walk · ", t.muted),
        Span::styled("m", t.key),
        Span::styled(" compares all modes · ", t.muted),
        Span::styled("?", t.key),
        Span::styled(" lists every key", t.muted),
    ]));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("1 Start", true, t)),
        area,
    );
}

/// One choice of steps 2 and 3: its label, what it leads to, and its price: the level badge
/// line, then the root-on-the-node text (wrapped under it).
struct Choice {
    label: String,
    sub: String,
    price: Vec<Span<'static>>,
    root: Option<String>,
}

fn choice_list(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    title: &str,
    question: &str,
    items: &[Choice],
    cursor: usize,
) {
    let t = &app.theme;
    let [left, right] = split(area);
    let mut lines = vec![Line::styled(question.to_string(), t.accent)];
    lines.extend(policy_note(app));
    lines.push(Line::raw(""));
    let width = usize::from(inner_width(left));
    for (i, item) in items.iter().enumerate() {
        let (style, marker) = focus_row(t, i == cursor);
        lines.push(Line::styled(format!("{marker}{}", item.label), style));
        for line in wrap::wrap(&item.sub, width, "    ", "    ") {
            lines.push(Line::styled(line, t.muted));
        }
        let mut price = vec![Span::raw("    ")];
        price.extend(item.price.iter().cloned());
        lines.push(Line::from(price));
        if let Some(root) = &item.root {
            for line in wrap::wrap(root, width, "    ", "      ") {
                lines.push(Line::styled(line, t.muted));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(title, true, t)),
        left,
    );
    explanation(frame, app, cursor_explanation(app, right), right);
}

/// The price of landing on `mode` from step 2's `runs`: the default bundle's level and whether
/// an escape is root on the node (a rootless walk into userns takes its rootless shape).
fn price_of(app: &App, mode: Mode, runs: Runs) -> Option<security::Price> {
    let options = Options {
        // Only to price the pod: OpenShift needs a namespace to build at all.
        namespace: Some("podwiz".into()),
        platform: app.form.platform,
        userns_shape: (mode == Mode::Userns && runs == Runs::Rootless)
            .then_some(UsernsShape::Rootless),
        ..Options::default()
    };
    crate::scenario::build(mode, &options)
        .ok()
        .map(|bundle| security::price_at(&bundle, app.policy_version()))
}

/// Under the question of steps 2 and 3: the policy version the badges are judged at, when the
/// Options row set one other than latest (at latest, nothing: the badges say it all).
fn policy_note(app: &App) -> Option<Line<'static>> {
    let version = app.policy_version();
    (version != PolicyVersion::Latest).then(|| {
        Line::styled(
            format!("Levels at Pod Security policy {version} (set in Options)"),
            app.theme.muted,
        )
    })
}

/// `[ BASELINE ] · root on the node: no`, the level as a word (never colour alone).
fn price_spans(app: &App, price: Option<security::Price>) -> Vec<Span<'static>> {
    let t = &app.theme;
    match price {
        Some(p) => vec![
            Span::styled(badge(p.level), level_style(t, p.level)),
            Span::styled(
                format!(
                    " · root on the node: {}",
                    if p.root_on_node { "yes" } else { "no" }
                ),
                t.muted,
            ),
        ],
        None => vec![Span::styled("not available on this platform", t.muted)],
    }
}

pub fn runs(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let items: Vec<Choice> = Runs::ALL
        .iter()
        .map(|&r| {
            let prices: Vec<(Mode, security::Price)> = Way::ALL
                .iter()
                .map(|w| w.mode(r))
                .filter_map(|m| price_of(app, m, r).map(|p| (m, p)))
                .collect();
            let best = prices.iter().map(|(_, p)| p.level).min();
            let safe: Vec<&str> = prices
                .iter()
                .filter(|(_, p)| !p.root_on_node)
                .map(|(m, _)| m.id())
                .collect();
            let root = if safe.is_empty() {
                "yes".to_string()
            } else if safe.len() == prices.len() {
                "no".to_string()
            } else {
                format!("yes, except {}", safe.join(", "))
            };
            let mut price = Vec::new();
            if let Some(best) = best {
                price.push(Span::styled("at best ", t.muted));
                price.push(Span::styled(badge(best), level_style(t, best)));
            }
            Choice {
                label: r.label().to_string(),
                sub: match r {
                    Runs::Root => "rootful-priv, rootful-no-priv, remote, userns",
                    Runs::Rootless => "rootless-priv, rootless-no-priv, userns",
                }
                .to_string(),
                price,
                root: Some(format!("root on the node: {root}")),
            }
        })
        .collect();
    choice_list(
        frame,
        app,
        area,
        "2 Root or rootless",
        "How does Podman run inside the pod?",
        &items,
        app.runs_cursor,
    );
}

pub fn way(frame: &mut Frame, app: &App, area: Rect) {
    let items: Vec<Choice> = Way::ALL
        .iter()
        .map(|w| {
            let mode = w.mode(app.runs);
            Choice {
                label: w.label().to_string(),
                sub: format!("→ {mode}"),
                price: price_spans(app, price_of(app, mode, app.runs)),
                root: None,
            }
        })
        .collect();
    let question = match app.runs {
        Runs::Root => "Podman as root: privileged, or not, or a special way?",
        Runs::Rootless => "Podman rootless: privileged, or not, or a special way?",
    };
    choice_list(
        frame,
        app,
        area,
        "3 Privilege",
        question,
        &items,
        app.way_cursor,
    );
}

/// The value shown for a row in `room` columns: what was typed/picked, or the default in muted
/// text. When a default does not fit, its "default: " prefix goes first (the muted style still
/// marks it); a long typed value shows its end while it is edited, so the cursor stays visible.
fn value_spans(app: &App, field: Field, room: usize) -> Vec<Span<'static>> {
    let t = &app.theme;
    if field == Field::Continue {
        return vec![];
    }
    let resolved = app
        .options()
        .and_then(|o| o.resolve(app.mode).ok())
        .or_else(|| {
            let defaults = crate::scenario::Options {
                platform: app.form.platform,
                ..Default::default()
            };
            defaults.resolve(app.mode).ok()
        });
    if let Some(text) = app.form.text(field) {
        let editing = app.editing && app.focused_field() == field;
        let mut spans = Vec::new();
        if text.is_empty() && !editing {
            let default = match field {
                Field::Name => resolved.map(|r| r.name).unwrap_or_default(),
                Field::Namespace => "none".into(),
                Field::Image => crate::scenario::options::DEFAULT_IMAGE.into(),
                Field::ApparmorProfile => crate::scenario::Apparmor::DEFAULT_PROFILE.into(),
                Field::Schedule => crate::scenario::options::DEFAULT_SCHEDULE.into(),
                _ => "(required)".into(),
            };
            let full = format!("default: {default}");
            let shown = if full.width() <= room { full } else { default };
            spans.push(Span::styled(wrap::fit_end(&shown, room), t.muted));
        } else if editing {
            spans.push(Span::styled(
                wrap::fit_start(text, room.saturating_sub(1)),
                t.text,
            ));
        } else {
            spans.push(Span::styled(wrap::fit_end(text, room), t.text));
        }
        if editing {
            spans.push(Span::styled("█", t.accent));
        }
        return spans;
    }
    let choice = app.form.choice(field);
    let default = resolved.map(|r| match field {
        Field::Storage => r.storage.map(|s| {
            s.to_string()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string()
        }),
        Field::Fuse => r.fuse.map(|v| v.to_string()),
        Field::Selinux => r.selinux.map(|v| v.to_string()),
        Field::Apparmor => r.apparmor.map(|v| {
            v.to_string()
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string()
        }),
        Field::Userns => r.userns.map(|v| v.to_string()),
        Field::UsernsShape => r.userns_shape.map(|v| v.to_string()),
        Field::Platform => Some(r.platform.to_string()),
        Field::Kind => Some(r.kind.to_string()),
        Field::PolicyVersion => Some(PolicyVersion::Latest.to_string()),
        _ => None,
    });
    match choice {
        Some(c) => vec![Span::styled(
            wrap::fit_end(&format!("‹ {c} ›"), room),
            t.text,
        )],
        None => {
            let default = default.flatten().unwrap_or_else(|| "-".into());
            let full = format!("‹ default: {default} ›");
            let shown = if full.width() <= room {
                full
            } else {
                format!("‹ {default} ›")
            };
            vec![Span::styled(wrap::fit_end(&shown, room), t.muted)]
        }
    }
}

pub fn options(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let [left, right] = split(area);
    let fields = app.fields();
    let focused = app.focused_field();
    // The mode and its live price: the level of the pod the current choices build (at the
    // policy version row's version), as a word, so a choice that changes it shows at once.
    let mut head = vec![
        Span::styled("Mode ", t.muted),
        Span::styled(app.mode.id(), t.accent),
    ];
    if let Some(p) = &app.preview {
        let level = p.security.pss.level;
        head.push(Span::raw(" "));
        head.push(Span::styled(badge(level), level_style(t, level)));
    }
    // Marker, label and a space come before the value; the error mark (2) after it.
    let room = usize::from(inner_width(left)).saturating_sub(2 + 16 + 1);
    // The rows, each with whether it is the focused one; `None` marks a spacer line.
    let mut rows: Vec<(Option<Line>, bool)> = Vec::new();
    for f in &fields {
        let is_focus = *f == focused;
        let (style, marker) = focus_row(t, is_focus);
        let has_error = app.error.as_ref().is_some_and(|(ef, _)| ef == f);
        if *f == Field::Continue {
            rows.push((None, false));
            rows.push((
                Some(Line::styled(format!("{marker}▷ {}", f.label()), style)),
                is_focus,
            ));
            continue;
        }
        let mut spans = vec![
            Span::styled(format!("{marker}{:<16}", f.label()), style),
            Span::raw(" "),
        ];
        let room = if has_error {
            room.saturating_sub(2)
        } else {
            room
        };
        spans.extend(value_spans(app, *f, room));
        if has_error {
            spans.push(Span::styled(" ✖", t.error));
        }
        rows.push((Some(Line::from(spans)), is_focus));
    }
    // The error gets the rows its message needs (its top rule included), the form the rest.
    let error_lines = app.error.as_ref().map(|(_, message)| {
        wrap::wrap(&format!("✖ {message}"), usize::from(left.width), "", "").len() as u16 + 1
    });
    let form_room = left
        .height
        .saturating_sub(error_lines.unwrap_or(0))
        .max(left.height.min(8));
    // Inside the borders: the mode line, a spacer, the rows. When they do not fit, the spacers
    // go first, then the rows scroll so the focused one stays in view (the mode line stays).
    let inner = usize::from(form_room.saturating_sub(2));
    let spacer = rows.len() + 2 <= inner;
    if !spacer {
        rows.retain(|(line, _)| line.is_some());
    }
    let focus_at = rows.iter().position(|(_, focus)| *focus).unwrap_or(0);
    let room_for_rows = inner.saturating_sub(1 + usize::from(spacer)).max(1);
    let first = (focus_at + 1).saturating_sub(room_for_rows);
    let last = (first + room_for_rows).min(rows.len());
    let mut lines = vec![Line::from(head)];
    if spacer {
        lines.push(Line::raw(""));
    }
    lines.extend(
        rows[first..last]
            .iter()
            .map(|(line, _)| line.clone().unwrap_or_else(|| Line::raw(""))),
    );
    let form_h = (lines.len() as u16 + 2).min(form_room);
    let [form, err] =
        Layout::vertical([Constraint::Length(form_h), Constraint::Min(0)]).areas(left);
    let mut form_block = block("4 Options", true, t);
    let more = match (first > 0, last < rows.len()) {
        (true, true) => Some(" ↑↓ more rows "),
        (true, false) => Some(" ↑ more rows "),
        (false, true) => Some(" ↓ more rows "),
        (false, false) => None,
    };
    if let Some(more) = more {
        form_block = form_block.title_bottom(Span::styled(more, t.muted));
    }
    // Rows are cut, not wrapped, so each stays on one line; the error below wraps.
    frame.render_widget(Paragraph::new(lines).block(form_block), form);
    if let Some((_, message)) = &app.error {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("✖ {message}"), t.error))
                .wrap(Wrap { trim: true })
                // A top rule only: at 80x24 the longest rule message needs every row.
                .block(
                    Block::default()
                        .borders(Borders::TOP)
                        .border_style(t.error)
                        .title(Span::styled(" Fix this to continue ", t.error)),
                ),
            err,
        );
    }
    // The explanation gets the rows it needs, sources included: it is the price of the choice
    // under the cursor. The live Pod gets the rest, or is left out (Review shows it whole) when
    // fewer than `MIN_PREVIEW_ROWS` remain.
    let why_lines = cursor_explanation(app, right);
    let why_h = (why_lines.len() as u16 + 2).min(right.height);
    let rest = right.height - why_h;
    let why_h = if rest < MIN_PREVIEW_ROWS {
        right.height
    } else {
        why_h
    };
    let [why, yaml] =
        Layout::vertical([Constraint::Length(why_h), Constraint::Min(0)]).areas(right);
    explanation(frame, app, why_lines, why);
    if yaml.height == 0 {
        return;
    }
    // The object that runs the pod: the Pod, or the --kind workload with the pod as template.
    let workload = app.preview.as_ref().map(|p| p.bundle.workload());
    let kind = workload.as_ref().map_or("Pod", |w| w.kind());
    let pod = app
        .preview
        .as_ref()
        .zip(workload.as_ref())
        .and_then(|(p, w)| {
            let title = format!("{} {}", w.kind(), w.name());
            p.docs.iter().find(|d| d.title == title)
        });
    let inner_h = yaml.height.saturating_sub(2) as usize;
    let lines = match pod {
        Some(doc) => super::review::yaml_lines(
            doc,
            app.preview
                .as_ref()
                .map_or(&[][..], |p| &p.security.findings),
            &app.theme,
            None,
            0,
            inner_h,
        ),
        None => vec![],
    };
    let title = if app.error.is_some() {
        format!("{kind} (last valid choices)")
    } else {
        format!("{kind} (live)")
    };
    frame.render_widget(Paragraph::new(lines).block(block(&title, false, t)), yaml);
}
