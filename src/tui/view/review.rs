//! Step 5: manifests in tabs with the risk gutter, the security panel, usage hints.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::security::pss::Level;
use crate::tui::assess::{Severity, badge};
use crate::tui::state::{App, Doc};
use crate::tui::theme::Theme;
use crate::tui::yaml::{Token, lex_line};

/// Lines `scroll..scroll+height` of a document with the gutter: `▶` on the cursor line, `!` on
/// lines that carry a finding.
pub fn yaml_lines(
    doc: &Doc,
    t: &Theme,
    cursor: Option<usize>,
    scroll: usize,
    height: usize,
) -> Vec<Line<'static>> {
    doc.yaml
        .lines()
        .enumerate()
        .skip(scroll)
        .take(height)
        .map(|(i, line)| {
            let is_cursor = cursor == Some(i);
            let risky = doc.risks.get(i).is_some_and(|r| !r.is_empty());
            let mut spans = vec![
                Span::styled(if is_cursor { "▶" } else { " " }, t.accent),
                Span::styled(if risky { "!" } else { " " }, t.gutter_risk),
                Span::raw(" "),
            ];
            if doc.is_yaml {
                for (token, text) in lex_line(line) {
                    let style = match token {
                        Token::Indent | Token::Colon => t.text,
                        Token::Key => t.yaml_key,
                        Token::ListMarker => t.yaml_list,
                        Token::Scalar => t.yaml_scalar,
                        Token::String => t.yaml_string,
                        Token::Comment => t.yaml_comment,
                        Token::DocMarker => t.yaml_doc,
                    };
                    spans.push(Span::styled(text.to_string(), style));
                }
            } else {
                spans.push(Span::styled(line.to_string(), t.text));
            }
            if is_cursor {
                for s in spans.iter_mut().skip(2) {
                    s.style = s.style.patch(t.cursor_line);
                }
            }
            Line::from(spans)
        })
        .collect()
}

pub fn level_style(t: &Theme, level: Level) -> Style {
    match level {
        Level::Restricted => t.badge_restricted,
        Level::Baseline => t.badge_baseline,
        Level::Privileged => t.badge_privileged,
    }
}

fn severity_style(t: &Theme, s: Severity) -> Style {
    match s {
        Severity::Critical | Severity::High => t.error,
        Severity::Medium => t.warning,
        Severity::Low | Severity::Info => t.info,
    }
}

pub fn review(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(preview) = &app.preview else {
        frame.render_widget(
            Paragraph::new("No valid choices yet: go back (Esc) and fix the options.")
                .block(block("5 Review", true, t)),
            area,
        );
        return;
    };
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let mut spans = Vec::new();
    for (i, doc) in preview.docs.iter().enumerate() {
        if i == app.tab {
            spans.push(Span::styled(format!("[{}]", doc.title), t.focus));
        } else {
            spans.push(Span::styled(format!(" {} ", doc.title), t.muted));
        }
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);

    let left_w = (body.width * 58 / 100).max(40);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(body);
    let doc = &preview.docs[app.tab];
    let height = left.height.saturating_sub(2) as usize;
    let total = doc.yaml.lines().count();
    let title = format!(
        "5 Review · {} · line {}/{}",
        doc.title,
        (app.line + 1).min(total),
        total
    );
    frame.render_widget(
        Paragraph::new(yaml_lines(doc, t, Some(app.line), app.scroll, height))
            .block(block(&title, true, t)),
        left,
    );

    let sec = &preview.security;
    let mut lines = vec![Line::from(vec![
        Span::styled("Pod Security ", t.text),
        Span::styled(badge(sec.level), level_style(t, sec.level)),
        Span::styled(format!(" policy {}", sec.policy), t.muted),
    ])];
    if let Some(risks) = doc.risks.get(app.line).filter(|r| !r.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("! This line", t.gutter_risk));
        for &i in risks {
            if let Some(f) = sec.findings.get(i) {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{} ", f.severity.label()),
                        severity_style(t, f.severity),
                    ),
                    Span::styled(f.title.clone(), t.accent),
                ]));
                lines.push(Line::styled(format!("  {}", f.field), t.muted));
                lines.push(Line::styled(format!("  grants: {}", f.detail), t.text));
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("Findings ({})", sec.findings.len()),
        t.title,
    ));
    if sec.findings.is_empty() {
        lines.push(Line::styled("  none", t.muted));
    }
    for f in &sec.findings {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<11}", f.severity.label()),
                severity_style(t, f.severity),
            ),
            Span::styled(f.title.clone(), t.text),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("What an attacker gets", t.title));
    for g in &sec.grants {
        lines.push(Line::styled(format!("• {g}"), t.text));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Host changes", t.title));
    if sec.host_changes.is_empty() {
        lines.push(Line::styled("  none", t.muted));
    }
    for h in &sec.host_changes {
        lines.push(Line::styled(format!("• {h}"), t.text));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Try it", t.title));
    for u in &preview.bundle.usage {
        lines.push(Line::styled(format!("• {}", u.title), t.text));
        lines.push(Line::styled(format!("  $ {}", u.command), t.muted));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("Security", false, t)),
        right,
    );
}
