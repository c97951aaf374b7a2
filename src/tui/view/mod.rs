//! `view(state) -> frame`: pure, no I/O, nothing waits.

mod apply;
mod manifest;
mod overlays;
mod review;
mod steps;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::keymap;
use super::state::{App, ClusterStatus, Overlay, Screen, StatusKind};
use super::theme::Theme;
use super::update::context;
use crate::security::{self, Explanation, assets::label};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, app, area);
        return;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, header);
    match app.overlay {
        Some(Overlay::Help) => overlays::help(frame, app, body),
        Some(Overlay::Compare) => overlays::compare(frame, app, body),
        None => match app.screen {
            Screen::Start => steps::start(frame, app, body),
            Screen::Runs => steps::runs(frame, app, body),
            Screen::Way => steps::way(frame, app, body),
            Screen::Options => steps::options(frame, app, body),
            Screen::Review => match &app.manifest {
                Some(m) => manifest::review(frame, app, m, body),
                None => review::review(frame, app, body),
            },
        },
    }
    if app.save.is_some() {
        overlays::save(frame, app, body);
    }
    if app.apply.is_some() {
        apply::apply(frame, app, body);
    }
    draw_status(frame, app, status);
    draw_footer(frame, app, footer);
}

fn too_small(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let lines = vec![
        Line::styled("Enlarge the terminal", t.title),
        Line::raw(""),
        Line::raw(format!(
            "podwiz needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
            area.width, area.height
        )),
        Line::styled("q or Ctrl-C quits.", t.muted),
    ];
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, area.height - (y - area.y)),
    );
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(m) = &app.manifest {
        frame.render_widget(Paragraph::new(manifest::header(app, m)), area);
        return;
    }
    let t = &app.theme;
    let mut spans = vec![Span::styled(" podwiz ", t.title), Span::raw(" ")];
    for (i, screen) in Screen::ALL.iter().enumerate() {
        let label = if area.width < 110 && *screen != app.screen {
            format!(" {} ", i + 1)
        } else {
            format!(" {} {} ", i + 1, screen.title())
        };
        if *screen == app.screen && app.overlay.is_none() {
            spans.push(Span::styled(format!("[{}]", label.trim()), t.focus));
        } else {
            spans.push(Span::styled(label, t.muted));
        }
        spans.push(Span::raw(" "));
    }
    if matches!(app.screen, Screen::Options | Screen::Review) {
        spans.push(Span::styled(format!("mode: {}", app.mode), t.accent));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The cluster line, as the start screen and the status line show it.
pub fn cluster_line(status: &ClusterStatus, t: &Theme) -> Line<'static> {
    match status {
        ClusterStatus::Loading => Line::from(vec![
            Span::styled("cluster: ", t.muted),
            Span::styled("reading the kube context…", t.muted),
        ]),
        ClusterStatus::Context {
            context, namespace, ..
        } => Line::from(vec![
            Span::styled("cluster: ", t.muted),
            Span::styled(context.clone(), t.accent),
            Span::styled(format!(" (namespace {namespace}) · connecting…"), t.muted),
        ]),
        ClusterStatus::Connected {
            context,
            namespace,
            server,
        } => Line::from(vec![
            Span::styled("cluster: ✔ ", t.success),
            Span::styled(context.clone(), t.accent),
            Span::styled(format!(" (namespace {namespace}) {server}"), t.muted),
        ]),
        ClusterStatus::Unreachable { context, reason } => Line::from(vec![
            Span::styled("cluster: ✖ ", t.warning),
            Span::styled(context.clone(), t.accent),
            Span::styled(
                format!(": {reason}; you can still generate and copy"),
                t.muted,
            ),
        ]),
        ClusterStatus::NoContext(_) => Line::from(vec![
            Span::styled("cluster: ", t.muted),
            Span::styled("no kube context: you can still generate and copy", t.text),
        ]),
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let line = match &app.status {
        Some((kind, text)) => {
            let (sym, style) = match kind {
                StatusKind::Info => ("ℹ ", t.info),
                StatusKind::Success => ("✔ ", t.success),
                StatusKind::Error => ("✖ ", t.error),
            };
            Line::from(vec![
                Span::styled(sym, style),
                Span::styled(text.clone(), style),
            ])
        }
        None => cluster_line(&app.cluster, t),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let mut width = 0usize;
    for (key, label) in keymap::hints(context(app)) {
        let w = key.chars().count() + label.chars().count() + 3;
        if width + w > area.width as usize {
            break;
        }
        width += w;
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {label}  "), t.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A bordered block; the focused one is bold and its title marked, not only coloured.
pub fn block<'a>(title: &str, focused: bool, t: &Theme) -> Block<'a> {
    let (style, title) = if focused {
        (
            t.border_focus.add_modifier(Modifier::BOLD),
            format!("▶ {title} "),
        )
    } else {
        (t.border, format!(" {title} "))
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(title, if focused { t.title } else { t.muted }))
}

/// The explanation of a choice (`security::explain_choice`) or of a wizard step
/// (`security::explain_step`); both come from `assets/security.toml`.
pub fn explain(key: &str) -> Option<&'static Explanation> {
    // Steps first: the start screen's text must not wait for the whole catalogue to parse.
    security::explain_step(key).or_else(|| security::explain_choice(key))
}

/// An explanation's lines, for a panel `width` columns wide inside its borders: title, text,
/// and the sources it comes from.
pub fn explanation_lines(
    ex: Option<&'static Explanation>,
    width: u16,
    t: &Theme,
) -> Vec<Line<'static>> {
    let Some(ex) = ex else {
        return Vec::new();
    };
    // Wrapped here rather than by the Paragraph so a panel can be sized to its lines.
    let wrapped = |text: &str, style| {
        wrap::wrap(text, usize::from(width), "", "")
            .into_iter()
            .map(move |line| Line::styled(line, style))
    };
    let mut lines: Vec<Line<'static>> = wrapped(&ex.title, t.accent).collect();
    lines.push(Line::raw(""));
    lines.extend(wrapped(&ex.text, t.text));
    lines.push(Line::raw(""));
    lines.extend(source_lines(&ex.source, width, t));
    lines
}

/// A source (references separated by "; ") as lines that fit `width`: one "Source:" line per
/// reference, URLs broken after a `/` rather than inside a word, continuations indented.
pub fn source_lines(source: &str, width: u16, t: &Theme) -> Vec<Line<'static>> {
    let first = format!("{} ", label("explain_source"));
    wrap::references(source)
        .into_iter()
        .flat_map(|reference| wrap::wrap(reference, usize::from(width), &first, "  "))
        .map(|line| Line::styled(line, t.muted))
        .collect()
}

/// `lead` then `text` wrapped to `width`, continuation lines indented under the text (a
/// severity label or a bullet keeps its column to itself).
pub fn hanging(lead: Span<'static>, text: &str, style: Style, width: u16) -> Vec<Line<'static>> {
    let indent = " ".repeat(lead.width());
    let room = usize::from(width).saturating_sub(lead.width());
    let mut pieces = wrap::wrap(text, room, "", "").into_iter();
    let first = pieces.next().unwrap_or_default();
    let mut lines = vec![Line::from(vec![lead, Span::styled(first, style)])];
    lines.extend(pieces.map(|piece| Line::styled(format!("{indent}{piece}"), style)));
    lines
}

/// The explanation of the cursor's choice, for a panel as wide as `area`.
pub fn cursor_explanation(app: &App, area: Rect) -> Vec<Line<'static>> {
    explanation_lines(explain(&app.explain_key()), inner_width(area), &app.theme)
}

/// The "Why" panel: the explanation of the cursor's choice.
pub fn explanation(frame: &mut Frame, app: &App, lines: Vec<Line<'static>>, area: Rect) {
    let t = &app.theme;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("Why", false, t)),
        area,
    );
}

/// The width inside a bordered block.
pub fn inner_width(area: Rect) -> u16 {
    area.width.saturating_sub(2)
}

/// Render the buffer as plain text lines (for snapshots and the README capture).
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        let mut line = String::new();
        for x in area.x..area.x + area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn focus_row(t: &Theme, focused: bool) -> (Style, &'static str) {
    if focused {
        (t.focus, "▶ ")
    } else {
        (t.text, "  ")
    }
}
