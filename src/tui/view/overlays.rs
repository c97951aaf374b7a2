//! Screens over the walk: help (from the keymap), compare all modes, the save prompt.

use std::sync::OnceLock;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, focus_row};
use crate::scenario::{Mode, Options, build};
use crate::security::pss::{self, Level};
use crate::tui::assess;
use crate::tui::keymap;
use crate::tui::state::App;

pub fn help(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for (title, rows) in keymap::help_sections() {
        lines.push(Line::styled(title, t.title));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), t.key),
                Span::styled(help, t.text),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "Mouse capture is off unless podwiz runs with --mouse, so the terminal's own selection works.",
        t.muted,
    ));
    let max = lines
        .len()
        .saturating_sub(area.height.saturating_sub(2) as usize);
    let scroll = app.help_scroll.min(max);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .block(block("Keys (? or Esc closes)", true, t)),
        area,
    );
}

pub struct CompareRow {
    pub mode: Mode,
    pub privileged: bool,
    pub user: &'static str,
    pub level: Level,
    pub fuse: bool,
    pub host_steps: usize,
    pub grant: String,
}

/// The matrix, computed once (it depends on nothing the user types).
pub fn compare_rows() -> &'static [CompareRow] {
    static ROWS: OnceLock<Vec<CompareRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        Mode::ALL
            .iter()
            .filter_map(|&mode| {
                let bundle = build(mode, &Options::default()).ok()?;
                Some(CompareRow {
                    mode,
                    privileged: mode.is_privileged(),
                    user: match mode {
                        Mode::RootlessPriv | Mode::RootlessNoPriv => "1000",
                        Mode::Userns => "0 (mapped)",
                        Mode::Remote => "0 (node)",
                        _ => "0",
                    },
                    level: pss::evaluate_pod(&bundle.pod, pss::PolicyVersion::Latest).level,
                    fuse: bundle.options.fuse.is_some(),
                    host_steps: bundle.host_steps.len(),
                    grant: assess::grants(mode).into_iter().next().unwrap_or_default(),
                })
            })
            .collect()
    })
}

pub fn compare(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut lines = vec![Line::styled(
        format!(
            "  {:<17} {:<5} {:<11} {:<14} {:<5} {:<5} {}",
            "mode", "priv", "user", "PSS level", "fuse", "host", "an attacker gets"
        ),
        t.title,
    )];
    for (i, row) in compare_rows().iter().enumerate() {
        let (style, marker) = focus_row(t, i == app.compare_cursor);
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:<17} ", row.mode.id()), style),
            Span::styled(
                format!(
                    "{:<5} {:<11} ",
                    if row.privileged { "yes" } else { "no" },
                    row.user
                ),
                t.text,
            ),
            Span::styled(
                format!("{:<14}", assess::badge(row.level)),
                super::review::level_style(t, row.level),
            ),
            Span::styled(
                format!(
                    " {:<5} {:<5} {}",
                    if row.fuse { "yes" } else { "no" },
                    row.host_steps,
                    row.grant
                ),
                t.text,
            ),
        ]));
    }
    let table_h = lines.len() as u16 + 2;
    let [table, below] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(block("Compare all modes (m or Esc closes)", true, t)),
        table,
    );
    let mut lines = Vec::new();
    let selected = compare_rows()
        .get(app.compare_cursor)
        .map(|r| r.mode)
        .unwrap_or(app.mode);
    let ex = crate::tui::explain::explain(&format!("mode.{selected}"));
    lines.push(Line::styled(ex.title, t.accent));
    lines.push(Line::styled(ex.text, t.text));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "priv: securityContext.privileged · host: steps on the nodes · levels from the Pod Security Standards (latest)",
        t.muted,
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("Selected mode", false, t)),
        below,
    );
}

pub fn save(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(prompt) = &app.save else { return };
    let w = area.width.min(70);
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Fill(1),
    ])
    .areas(area);
    let rect = Rect::new(area.x + (area.width - w) / 2, mid.y, w, mid.height);
    let lines = if prompt.confirm_overwrite {
        vec![
            Line::styled(format!("'{}' is not empty.", prompt.dir), t.warning),
            Line::styled(
                "Overwrite the files podwiz writes there? y: yes  n/Esc: no",
                t.text,
            ),
        ]
    } else {
        vec![
            Line::styled("Directory (created if missing):", t.text),
            Line::from(vec![
                Span::styled(prompt.dir.clone(), t.accent),
                Span::styled("█", t.accent),
            ]),
            Line::styled("Enter: save  Esc: cancel", t.muted),
        ]
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("Save", true, t)),
        rect,
    );
}
