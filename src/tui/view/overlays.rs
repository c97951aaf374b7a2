//! Screens over the walk: help (from the keymap), compare all modes, the save prompt.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{block, focus_row};
use crate::security::assets::assets;
use crate::security::compare::{self, CompareRow};
use crate::security::pss::PolicyVersion;
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

/// The security layer's compare rows, computed once (they depend on nothing the user types).
pub fn compare_rows() -> &'static [CompareRow] {
    static ROWS: OnceLock<Vec<CompareRow>> = OnceLock::new();
    ROWS.get_or_init(compare::rows)
}

/// [`compare_rows`] judged at Pod Security policy `version` (the Options row), each version
/// computed once: at most one table per policy version is ever kept.
pub fn compare_rows_at(version: PolicyVersion) -> &'static [CompareRow] {
    if version == PolicyVersion::Latest {
        return compare_rows();
    }
    static ROWS: Mutex<BTreeMap<PolicyVersion, &'static [CompareRow]>> =
        Mutex::new(BTreeMap::new());
    let mut rows = ROWS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    rows.entry(version)
        .or_insert_with(|| Box::leak(compare::rows_at(version).into_boxed_slice()))
}

pub fn compare(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let rows = compare_rows_at(app.policy_version());
    let headers = compare::headers();
    let cells: Vec<Vec<String>> = rows.iter().map(compare::cells).collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .chain([&headers[i]])
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // As many columns as fit; the others are listed for the selected mode below.
    let room = area.width.saturating_sub(4) as usize;
    let mut shown = 0;
    let mut used = 0;
    for w in &widths {
        if used + w > room {
            break;
        }
        used += w + 2;
        shown += 1;
    }
    let pss = compare::COLUMNS.iter().position(|c| *c == "pss");
    let cell = |text: &str, i: usize| format!("{text:<w$}  ", w = widths[i]);
    let mut header = String::from("  ");
    for (i, h) in headers.iter().enumerate().take(shown) {
        header.push_str(&cell(h, i));
    }
    let mut lines = vec![Line::styled(header.trim_end().to_string(), t.title)];
    for (r, (row, row_cells)) in rows.iter().zip(&cells).enumerate() {
        let (style, marker) = focus_row(t, r == app.compare_cursor);
        let mut spans = vec![Span::styled(marker, style)];
        for (i, c) in row_cells.iter().enumerate().take(shown) {
            let s = if i == 0 {
                style
            } else if Some(i) == pss {
                super::review::level_style(t, row.pss_level)
            } else {
                t.text
            };
            spans.push(Span::styled(cell(c, i), s));
        }
        lines.push(Line::from(spans));
    }
    let table_h = lines.len() as u16 + 2;
    let [table, below] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Clear, area);
    let c = &assets().compare;
    frame.render_widget(
        Paragraph::new(lines).block(block(
            &match app.policy_version() {
                PolicyVersion::Latest => format!("{} (m or Esc closes)", c.title),
                version => format!("{} at policy {version} (m or Esc closes)", c.title),
            },
            true,
            t,
        )),
        table,
    );
    let selected = app.compare_cursor.min(rows.len().saturating_sub(1));
    let mode = rows.get(selected).map_or(app.mode, |r| r.mode);
    let mut lines = super::explanation_lines(
        super::explain(&format!("mode.{mode}")),
        super::inner_width(below),
        t,
    );
    if let (Some(row), Some(row_cells)) = (rows.get(selected), cells.get(selected)) {
        lines.push(Line::raw(""));
        for (h, v) in headers.iter().zip(row_cells).skip(shown) {
            lines.push(Line::from(vec![
                Span::styled(format!("{h}: "), t.muted),
                Span::styled(v.clone(), t.text),
            ]));
        }
        let changes = if row.host_changes.is_empty() {
            c.needs_any.clone()
        } else {
            row.host_changes.join("; ")
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", c.host_changes_heading), t.muted),
            Span::styled(changes, t.text),
        ]));
    }
    lines.push(Line::raw(""));
    for legend in &c.legend {
        lines.push(Line::styled(legend.as_str(), t.muted));
    }
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
