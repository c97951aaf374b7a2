//! Step 5: manifests in tabs with the risk gutter, the security panel, usage hints.
//!
//! Everything here reads what `Preview` derived once (lexed lines, the report, risk marks); a frame
//! only styles the visible lines and borrows their text.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::security::assets::label;
use crate::security::pss::Level;
use crate::security::{Finding, Report, Scope, Severity, Verification};
use crate::tui::state::{App, Doc};
use crate::tui::theme::Theme;
use crate::tui::yaml::Token;

/// The gutter's risk column: the most severe finding's symbol, two columns wide.
fn gutter_mark(doc: &Doc, findings: &[Finding], i: usize) -> &'static str {
    let worst = doc
        .risks
        .get(i)
        .into_iter()
        .flatten()
        .filter_map(|&f| findings.get(f))
        .map(|f| f.severity)
        .min();
    match worst.map(Severity::symbol) {
        Some("!!") => "!!",
        Some("!") => "! ",
        Some("~") => "~ ",
        Some("-") => "- ",
        Some("i") => "i ",
        Some(_) => "! ",
        None => "  ",
    }
}

fn token_style(t: &Theme, token: Token) -> Style {
    match token {
        Token::Indent | Token::Colon => t.text,
        Token::Key => t.yaml_key,
        Token::ListMarker => t.yaml_list,
        Token::Scalar => t.yaml_scalar,
        Token::String => t.yaml_string,
        Token::Comment => t.yaml_comment,
        Token::DocMarker => t.yaml_doc,
    }
}

/// Lines `scroll..scroll+height` of a document with the gutter: `▶` on the cursor line, the
/// severity symbol of the worst of `findings` (indexed by `doc.risks`) on lines that carry one.
/// Borrows the document's text.
pub fn yaml_lines<'a>(
    doc: &'a Doc,
    findings: &[Finding],
    t: &Theme,
    cursor: Option<usize>,
    scroll: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let end = doc.lines.len().min(scroll.saturating_add(height));
    let start = scroll.min(end);
    let text_style = if doc.is_yaml { None } else { Some(t.text) };
    (start..end)
        .map(|i| {
            let is_cursor = cursor == Some(i);
            let pieces = &doc.lines[i];
            let mut spans = Vec::with_capacity(pieces.len() + 3);
            spans.push(Span::styled(if is_cursor { "▶" } else { " " }, t.accent));
            spans.push(Span::styled(gutter_mark(doc, findings, i), t.gutter_risk));
            spans.push(Span::raw(" "));
            for (token, range) in pieces {
                let style = text_style.unwrap_or_else(|| token_style(t, *token));
                let text = doc.yaml.get(range.clone()).unwrap_or_default();
                spans.push(Span::styled(text, style));
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

/// The level badge: the word in capitals between brackets.
pub fn badge(level: Level) -> &'static str {
    match level {
        Level::Restricted => "[ RESTRICTED ]",
        Level::Baseline => "[ BASELINE ]",
        Level::Privileged => "[ PRIVILEGED ]",
    }
}

pub fn severity_style(t: &Theme, s: Severity) -> Style {
    match s {
        Severity::Critical | Severity::High => t.error,
        Severity::Medium => t.warning,
        Severity::Low | Severity::Info => t.info,
    }
}

/// Symbol and word, so severity never relies on colour: `!! critical`.
pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "!! critical ",
        Severity::High => "!  high     ",
        Severity::Medium => "~  medium   ",
        Severity::Low => "-  low      ",
        Severity::Info => "i  info     ",
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
    let mut spans = Vec::with_capacity(preview.docs.len() * 4);
    for (i, doc) in preview.docs.iter().enumerate() {
        if i == app.tab {
            spans.push(Span::styled("[", t.focus));
            spans.push(Span::styled(doc.title.as_str(), t.focus));
            spans.push(Span::styled("]", t.focus));
        } else {
            spans.push(Span::styled(" ", t.muted));
            spans.push(Span::styled(doc.title.as_str(), t.muted));
            spans.push(Span::styled(" ", t.muted));
        }
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);

    let left_w = (body.width * 58 / 100).max(40);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(body);
    let Some(doc) = preview.docs.get(app.tab) else {
        return;
    };
    let sec = &preview.security;
    let height = left.height.saturating_sub(2) as usize;
    let total = doc.len();
    let title = format!(
        "5 Review · {} · line {}/{}",
        doc.title,
        (app.line + 1).min(total),
        total
    );
    frame.render_widget(
        Paragraph::new(yaml_lines(
            doc,
            &sec.findings,
            t,
            Some(app.line),
            app.scroll,
            height,
        ))
        .block(block(&title, true, t)),
        left,
    );
    frame.render_widget(
        Paragraph::new(security_lines(
            app,
            doc,
            sec,
            right.height as usize,
            super::inner_width(right),
        ))
        .wrap(Wrap { trim: false })
        .block(block("Security", false, t)),
        right,
    );
}

/// The security panel: level badge, the cursor line's findings, all findings by severity, what an
/// attacker gets (pod or node), host changes, usage hints. Stops once the panel is full.
fn security_lines<'a>(
    app: &'a App,
    doc: &Doc,
    sec: &'a Report,
    rows: usize,
    width: u16,
) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = Vec::with_capacity(rows.min(64));
    lines.push(Line::styled(label("pss_heading"), t.title));
    let mut headline = vec![
        Span::styled(badge(sec.pss.level), level_style(t, sec.pss.level)),
        Span::styled(format!(" policy {}", sec.pss.version), t.muted),
    ];
    if sec.addon.is_some() {
        headline.push(Span::styled(
            format!(", {}", label("findings_your_pod")),
            t.muted,
        ));
    }
    lines.push(Line::from(headline));
    if let Some(risks) = doc.risks.get(app.line).filter(|r| !r.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("! ", t.gutter_risk),
            Span::styled(label("review_this_line"), t.gutter_risk),
        ]));
        for f in risks.iter().filter_map(|&i| sec.findings.get(i)) {
            lines.extend(super::hanging(
                Span::styled(severity_label(f.severity), severity_style(t, f.severity)),
                &f.title,
                t.accent,
                width,
            ));
            lines.push(Line::styled(f.detail.as_str(), t.text));
            lines.extend(super::source_lines(&f.source, width, t));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("{} ({})", label("findings_heading"), sec.findings.len()),
        t.title,
    ));
    if sec.findings.is_empty() {
        lines.push(Line::styled(label("findings_none"), t.muted));
    }
    // Your pod's findings first, then the cluster add-on's (installed once, by an admin), so the
    // add-on's privileged DaemonSet never reads as the pod's own price.
    if sec.addon.is_some() {
        lines.push(Line::styled(label("findings_your_pod"), t.muted));
    }
    for f in sec.pod_findings() {
        lines.extend(super::hanging(
            Span::styled(severity_label(f.severity), severity_style(t, f.severity)),
            &f.title,
            t.text,
            width,
        ));
    }
    if let Some(addon) = &sec.addon {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", label("findings_addon")), t.muted),
            Span::styled(addon.object.as_str(), t.muted),
            Span::styled(" ", t.muted),
            Span::styled(badge(addon.level), level_style(t, addon.level)),
        ]));
        for f in sec.addon_findings() {
            lines.extend(super::hanging(
                Span::styled(severity_label(f.severity), severity_style(t, f.severity)),
                &f.title,
                t.text,
                width,
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(label("grants_heading"), t.title));
    for scope in [Scope::Node, Scope::Pod] {
        let key = match scope {
            Scope::Pod => "grants_pod",
            Scope::Node => "grants_node",
        };
        for g in sec.grants.iter().filter(|g| g.scope == scope) {
            lines.push(Line::from(vec![
                Span::styled(label(key), t.accent),
                Span::styled(": ", t.muted),
                Span::styled(g.text.as_str(), t.text),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(label("host_changes_heading"), t.title));
    if sec.host_changes.is_empty() {
        lines.push(Line::styled(label("host_changes_none"), t.muted));
    }
    for h in &sec.host_changes {
        lines.extend(super::hanging(Span::styled("• ", t.text), h, t.text, width));
    }
    // What works inside: the claims a node test checks, one line each, marked by the runtime
    // matrix (symbol and word, not colour alone); `podwiz explain` has the full sentences.
    lines.push(Line::raw(""));
    lines.push(Line::styled(label("works_inside_heading"), t.title));
    for claim in sec.works_inside.iter().filter(|c| c.check.is_some()) {
        let (style, word) = match &claim.verification {
            Verification::Verified { .. } => (t.success, label("verification_verified")),
            Verification::VerifiedFailing { .. } => (t.error, label("verification_failing")),
            Verification::NotVerified { .. } => (t.muted, label("verification_not_verified")),
        };
        let check = claim.check.map(|c| c.as_str()).unwrap_or_default();
        lines.extend(super::hanging(
            Span::styled(format!("{} ", claim.verification.mark()), style),
            &format!("{check}: {word}"),
            style,
            width,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(label("review_usage_heading"), t.title));
    if let Some(preview) = &app.preview {
        for u in &preview.bundle.usage {
            lines.extend(super::hanging(
                Span::styled("• ", t.text),
                &u.title,
                t.text,
                width,
            ));
            lines.push(Line::styled(format!("  $ {}", u.command), t.muted));
            if lines.len() > rows {
                break;
            }
        }
    }
    lines
}
