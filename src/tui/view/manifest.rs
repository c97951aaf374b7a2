//! Review of someone's own manifest (`podwiz -f FILE`, `podwiz TYPE/NAME`): tabs for their
//! YAML, the safer rewrite and the diff; the YAML with the risk gutter on the left; on the
//! right the security panel of what the tab shows (level and violations, the closest mode and
//! its differences, findings per container, the safer way, skipped objects). Pure: it reads
//! what `tui::manifest` derived once.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::review::{badge, level_style, severity_label, severity_style, yaml_lines};
use super::{block, hanging, inner_width};
use crate::security::Finding;
use crate::security::workload::{WorkloadReport, label};
use crate::tui::manifest::{Load, ManifestReview, ObjectView, ReviewTab};
use crate::tui::state::{App, Doc};
use crate::tui::theme::Theme;

/// The header line: the object on screen first (a long file path must not push it out), which
/// of how many, then where it was read from.
pub fn header(app: &App, m: &ManifestReview) -> Line<'static> {
    let t = &app.theme;
    let mut spans = vec![
        Span::styled(" podwiz ", t.title),
        Span::raw(" "),
        Span::styled("[Review]", t.focus),
        Span::raw(" "),
    ];
    match m.current() {
        Some(o) => {
            spans.push(Span::styled(o.report.reference.clone(), t.accent));
            if let Some(ns) = &o.report.namespace {
                spans.push(Span::styled(format!(" (namespace {ns})"), t.muted));
            }
            spans.push(Span::styled(
                format!(
                    " · object {}/{} · from {}",
                    m.object + 1,
                    m.objects.len(),
                    if m.source == "-" {
                        "standard input"
                    } else {
                        m.source.as_str()
                    }
                ),
                t.muted,
            ));
        }
        None => spans.push(Span::styled(m.source.clone(), t.accent)),
    }
    Line::from(spans)
}

pub fn review(frame: &mut Frame, app: &App, m: &ManifestReview, area: Rect) {
    let t = &app.theme;
    match &m.load {
        Load::Loading(fetch) => {
            let ns = fetch.namespace.as_deref().map_or_else(
                || "the context's namespace".to_string(),
                |n| format!("namespace {n}"),
            );
            let lines = vec![
                Line::styled(
                    format!("Reading {} from the cluster ({ns})…", m.source),
                    t.info,
                ),
                Line::raw(""),
                super::cluster_line(&app.cluster, t),
                Line::raw(""),
                Line::styled(
                    "The page fills in when the API server answers; q quits.",
                    t.muted,
                ),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(block("Review", true, t)),
                area,
            );
            return;
        }
        Load::Failed(why) => {
            let lines = vec![
                Line::styled(format!("✖ {} could not be read", m.source), t.error),
                Line::raw(""),
                Line::styled(why.clone(), t.text),
                Line::raw(""),
                Line::styled(
                    "q quits. podwiz -f FILE reviews a manifest from a file instead.",
                    t.muted,
                ),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(block("Review", true, t)),
                area,
            );
            return;
        }
        Load::Ready => {}
    }
    let Some(o) = m.current() else {
        return;
    };
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(tab_line(app, m, o)), tabs);

    let left_w = (body.width * 58 / 100).max(40);
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(body);
    let height = left.height.saturating_sub(2) as usize;
    match (m.doc(), m.tab) {
        (Some(doc), ReviewTab::Diff) => {
            let title = format!(
                "Diff · {} · line {}/{}",
                o.report.reference,
                m.line + 1,
                doc.len()
            );
            frame.render_widget(
                Paragraph::new(diff_lines(doc, t, m.line, m.scroll, height))
                    .block(block(&title, true, t)),
                left,
            );
        }
        (Some(doc), tab) => {
            let findings: &[Finding] = match tab {
                ReviewTab::Yours => &o.report.findings,
                _ => o
                    .rewrite
                    .as_ref()
                    .and_then(|r| r.after.as_ref())
                    .map_or(&[][..], |a| &a.findings),
            };
            let title = format!(
                "{} · {} · line {}/{}",
                tab.title(),
                o.report.reference,
                (m.line + 1).min(doc.len()),
                doc.len()
            );
            frame.render_widget(
                Paragraph::new(yaml_lines(doc, findings, t, Some(m.line), m.scroll, height))
                    .block(block(&title, true, t)),
                left,
            );
        }
        (None, tab) => {
            let lines = vec![
                Line::styled(label("safer_none", &[]), t.text),
                Line::raw(""),
                Line::styled(
                    format!(
                        "{} has no {}: Tab goes back to Yours.",
                        o.report.reference,
                        tab.title().to_lowercase()
                    ),
                    t.muted,
                ),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(block(tab.title(), true, t)),
                left,
            );
        }
    }
    let width = inner_width(right);
    let lines = match m.tab {
        ReviewTab::Yours => yours_panel(app, m, o, width),
        ReviewTab::Rewrite | ReviewTab::Diff => rewrite_panel(app, m, o, width),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block("Security", false, t)),
        right,
    );
}

fn tab_line<'a>(app: &App, m: &ManifestReview, o: &ObjectView) -> Line<'a> {
    let t = &app.theme;
    let mut spans = Vec::new();
    for tab in ReviewTab::ALL {
        let mut title = tab.title().to_string();
        if tab == ReviewTab::Rewrite {
            match &o.rewrite {
                Some(r) => title.push_str(&format!(" ({})", r.suggestion.mode)),
                None => title.push_str(" (none)"),
            }
        }
        if tab == m.tab {
            spans.push(Span::styled(format!("[{title}]"), t.focus));
        } else {
            spans.push(Span::styled(format!(" {title} "), t.muted));
        }
        spans.push(Span::raw(" "));
    }
    if m.objects.len() > 1 {
        spans.push(Span::styled(
            format!("  o: object {}/{}", m.object + 1, m.objects.len()),
            t.accent,
        ));
    }
    if !m.skipped.is_empty() {
        // The panel lists them with the reasons; the tab line says there are some.
        let names: Vec<String> = m
            .skipped
            .iter()
            .map(|s| format!("{}/{}", s.kind.to_ascii_lowercase(), s.name))
            .collect();
        spans.push(Span::styled(
            format!("  skipped: {}", names.join(", ")),
            t.muted,
        ));
    }
    Line::from(spans)
}

/// The diff's visible lines: removed lines as errors, added as successes, hunks as accents
/// (the `-`/`+` stay, so the colour is never the only sign).
fn diff_lines<'a>(
    doc: &'a Doc,
    t: &Theme,
    cursor: usize,
    scroll: usize,
    height: usize,
) -> Vec<Line<'a>> {
    doc.yaml
        .lines()
        .enumerate()
        .skip(scroll)
        .take(height)
        .map(|(i, text)| {
            let style = if text.starts_with("+++") || text.starts_with("---") {
                t.title
            } else if text.starts_with('+') {
                t.success
            } else if text.starts_with('-') {
                t.error
            } else if text.starts_with("@@") {
                t.accent
            } else {
                t.text
            };
            let mark = if i == cursor { "▶ " } else { "  " };
            let style = if i == cursor {
                style.patch(t.cursor_line)
            } else {
                style
            };
            Line::from(vec![
                Span::styled(mark, t.accent),
                Span::styled(text, style),
            ])
        })
        .collect()
}

fn finding_lines(out: &mut Vec<Line<'static>>, f: &Finding, t: &Theme, width: u16) {
    out.extend(hanging(
        Span::styled(severity_label(f.severity), severity_style(t, f.severity)),
        &f.title,
        t.text,
        width,
    ));
}

fn bullets(out: &mut Vec<Line<'static>>, items: &[String], t: &Theme, width: u16) {
    for item in items {
        out.extend(hanging(Span::styled("• ", t.text), item, t.text, width));
    }
}

/// The Pod Security violations per level.
fn violation_lines(out: &mut Vec<Line<'static>>, r: &WorkloadReport, t: &Theme, width: u16) {
    for (heading, violations) in [
        ("pss_baseline_heading", &r.pss.violations.baseline),
        ("pss_restricted_heading", &r.pss.violations.restricted),
    ] {
        if !violations.is_empty() {
            out.push(Line::styled(
                crate::security::assets::label(heading).to_string(),
                t.muted,
            ));
            bullets(out, violations, t, width);
        }
    }
}

/// The findings of the cursor's line in `doc`, from `findings`.
fn cursor_findings(
    out: &mut Vec<Line<'static>>,
    doc: Option<&Doc>,
    findings: &[Finding],
    line: usize,
    t: &Theme,
    width: u16,
) {
    let Some(risks) = doc
        .and_then(|d| d.risks.get(line))
        .filter(|r| !r.is_empty())
    else {
        return;
    };
    out.push(Line::from(vec![
        Span::styled("! ", t.gutter_risk),
        Span::styled(
            crate::security::assets::label("review_this_line"),
            t.gutter_risk,
        ),
    ]));
    for f in risks.iter().filter_map(|&i| findings.get(i)) {
        finding_lines(out, f, t, width);
        out.extend(hanging(Span::raw("  "), &f.detail, t.text, width));
    }
    out.push(Line::raw(""));
}

fn yours_panel(app: &App, m: &ManifestReview, o: &ObjectView, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let r = &o.report;
    let mut out = Vec::new();
    cursor_findings(&mut out, m.doc(), &r.findings, m.line, t, width);
    out.push(Line::styled(
        crate::security::assets::label("pss_heading").to_string(),
        t.title,
    ));
    out.push(Line::from(vec![
        Span::styled(badge(r.pss.level), level_style(t, r.pss.level)),
        Span::styled(format!(" policy {}", r.pss.version), t.muted),
    ]));
    // The safer way first: it is what the user came for; the details follow.
    match &o.rewrite {
        Some(rw) => {
            let s = &rw.suggestion;
            out.push(Line::styled(safer_heading(o), t.title));
            out.push(Line::from(vec![
                Span::styled(badge(s.level_before), level_style(t, s.level_before)),
                Span::styled(" → ", t.muted),
                Span::styled(badge(s.level), level_style(t, s.level)),
            ]));
            out.push(Line::styled(
                "Tab: the rewrite and its diff · a applies it",
                t.muted,
            ));
        }
        None => out.extend(hanging(
            Span::raw(""),
            &label("safer_none", &[]),
            t.text,
            width,
        )),
    }
    out.push(Line::raw(""));
    let engine = r
        .containers
        .iter()
        .find(|c| c.mode.is_some() && !c.init)
        .or_else(|| r.containers.iter().find(|c| c.mode.is_some()));
    match (r.mode.id, engine) {
        (Some(mode), Some(c)) => {
            out.push(Line::styled(
                label(
                    "closest_line",
                    &[("mode", mode.id()), ("container", &c.name)],
                ),
                t.title,
            ));
            if !r.mode.differences.is_empty() {
                out.push(Line::styled(
                    label("differences_heading", &[("mode", mode.id())]),
                    t.muted,
                ));
                bullets(&mut out, &r.mode.differences, t, width);
            }
        }
        _ => out.push(Line::styled(label("closest_none", &[]), t.title)),
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Findings per container ({})", r.findings.len()),
        t.title,
    ));
    let mut groups: Vec<(Option<&str>, String)> = r
        .containers
        .iter()
        .map(|c| {
            let mode = c
                .mode
                .map(|m| m.id().to_string())
                .unwrap_or_else(|| label("container_no_mode", &[]));
            let image = c.image.clone().unwrap_or_else(|| label("no_image", &[]));
            (
                Some(c.name.as_str()),
                label(
                    "container_line",
                    &[("container", &c.name), ("image", &image), ("mode", &mode)],
                ),
            )
        })
        .collect();
    groups.push((None, label("pod_findings", &[])));
    for (container, heading) in groups {
        let findings: Vec<&Finding> = r
            .findings
            .iter()
            .zip(&r.finding_containers)
            .filter(|(_, c)| c.as_deref() == container)
            .map(|(f, _)| f)
            .collect();
        if container.is_none() && findings.is_empty() {
            continue;
        }
        out.push(Line::styled(heading, t.accent));
        if findings.is_empty() {
            out.push(Line::styled(
                format!("  {}", label("container_no_findings", &[])),
                t.muted,
            ));
        }
        for f in findings {
            finding_lines(&mut out, f, t, width);
        }
    }
    if !r.pss.violations.baseline.is_empty() || !r.pss.violations.restricted.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("Pod Security violations (policy {})", r.pss.version),
            t.title,
        ));
        violation_lines(&mut out, r, t, width);
    }
    skipped_lines(&mut out, m, t, width);
    out
}

fn safer_heading(o: &ObjectView) -> String {
    match o.rewrite.as_ref().map(|r| &r.suggestion) {
        Some(s) => match s.userns_shape {
            Some(shape) => label(
                "safer_heading_shape",
                &[("mode", s.mode.id()), ("shape", shape.as_str())],
            ),
            None => label("safer_heading", &[("mode", s.mode.id())]),
        },
        None => label("safer_none", &[]),
    }
}

fn rewrite_panel(app: &App, m: &ManifestReview, o: &ObjectView, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let Some(rw) = &o.rewrite else {
        out.push(Line::styled(label("safer_none", &[]), t.text));
        skipped_lines(&mut out, m, t, width);
        return out;
    };
    let s = &rw.suggestion;
    if m.tab == ReviewTab::Rewrite
        && let Some(after) = &rw.after
    {
        cursor_findings(&mut out, m.doc(), &after.findings, m.line, t, width);
    }
    out.push(Line::styled(safer_heading(o), t.title));
    out.push(Line::from(vec![
        Span::styled(badge(s.level_before), level_style(t, s.level_before)),
        Span::styled(" → ", t.muted),
        Span::styled(badge(s.level), level_style(t, s.level)),
        Span::styled(format!(" policy {}", m.version), t.muted),
    ]));
    out.push(Line::raw(""));
    out.push(Line::styled(label("safer_changes", &[]), t.title));
    bullets(&mut out, &s.changes, t, width);
    if !s.host_steps.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(label("safer_host", &[]), t.title));
        let steps: Vec<String> = s
            .host_steps
            .iter()
            .map(|h| format!("{} [{}]", h.title, h.node_scope.describe()))
            .collect();
        bullets(&mut out, &steps, t, width);
    }
    if let Some(after) = &rw.after {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("What remains ({})", after.findings.len()),
            t.title,
        ));
        if after.pss.level != s.level {
            // The rewrite judged again disagrees with the prediction: say so, never hide it.
            out.push(Line::styled(
                format!("judged again: {}", after.pss.level.as_str()),
                t.warning,
            ));
        }
        for f in &after.findings {
            finding_lines(&mut out, f, t, width);
        }
    }
    skipped_lines(&mut out, m, t, width);
    out
}

fn skipped_lines(out: &mut Vec<Line<'static>>, m: &ManifestReview, t: &Theme, width: u16) {
    if m.skipped.is_empty() && m.warnings.is_empty() {
        return;
    }
    out.push(Line::raw(""));
    if !m.skipped.is_empty() {
        out.push(Line::styled(label("skipped_heading", &[]), t.title));
        let items: Vec<String> = m
            .skipped
            .iter()
            .map(|s| match (s.kind.is_empty(), s.name.is_empty()) {
                (true, _) => s.reason.clone(),
                (false, true) => format!("{}: {}", s.kind.to_ascii_lowercase(), s.reason),
                (false, false) => {
                    format!("{}/{}: {}", s.kind.to_ascii_lowercase(), s.name, s.reason)
                }
            })
            .collect();
        bullets(out, &items, t, width);
    }
    for w in &m.warnings {
        out.extend(hanging(Span::styled("⚠ ", t.warning), w, t.warning, width));
    }
}
