//! The apply panel over the review: the plan (context, server, user, namespace, every object),
//! the dry-run's verdict per object with the API server's warnings, the confirmation, progress
//! with a spinner per object in flight, the rollback and the Pod's phase. Pure: it only reads
//! `App::apply`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::block;
use crate::cluster::apply::{FIELD_MANAGER, Stage};
use crate::tui::state::{App, ApplyPanel, ApplyPhase, ObjectState};
use crate::tui::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn apply(frame: &mut Frame, app: &App, area: Rect) {
    let Some(panel) = &app.apply else {
        return;
    };
    let t = &app.theme;
    let lines = panel_lines(panel, t);
    let max = lines.len().saturating_sub(1);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((panel.scroll.min(max) as u16, 0))
            .block(block(title(panel), true, t)),
        area,
    );
}

fn title(panel: &ApplyPanel) -> &'static str {
    match panel.phase {
        ApplyPhase::DryRun => "Apply: server-side dry-run (nothing is written yet)",
        ApplyPhase::Confirm => "Apply? y/Enter applies · n/Esc cancels",
        ApplyPhase::Rejected => "Apply refused: the API server rejected the dry-run",
        ApplyPhase::Applying => "Applying…",
        ApplyPhase::Applied if panel.verifying() => "Applied · verifying… · Esc closes",
        ApplyPhase::Applied => "Applied · v verifies · Esc closes",
        ApplyPhase::Failed => "Apply failed · Esc closes",
    }
}

/// The panel's text, line by line (the view wraps long lines).
pub fn panel_lines(panel: &ApplyPanel, t: &Theme) -> Vec<Line<'static>> {
    let spin = SPINNER[panel.spinner % SPINNER.len()];
    let mut lines: Vec<Line<'static>> = panel
        .plan
        .describe()
        .lines()
        .take_while(|l| !l.starts_with("Objects"))
        .map(|l| Line::styled(l.to_string(), t.text))
        .collect();
    lines.push(Line::styled(
        format!(
            "Objects ({}), server-side apply with field manager \"{FIELD_MANAGER}\":",
            panel.objects.len()
        ),
        t.text,
    ));
    for o in &panel.objects {
        let (sym, style, what) = object_state(&o.state, spin, t);
        lines.push(Line::from(vec![
            Span::styled(format!("  {sym} "), style),
            Span::styled(o.label.clone(), t.accent),
            Span::styled(format!("  {what}"), style),
        ]));
        for w in &o.warnings {
            lines.push(Line::styled(format!("      ⚠ Warning: {w}"), t.warning));
        }
    }
    if let Some(line) = &panel.pod_security {
        lines.push(Line::styled(line.clone(), t.text));
    }
    lines.push(Line::raw(""));
    let info = &panel.plan.info;
    match panel.phase {
        ApplyPhase::DryRun => lines.push(Line::styled(
            format!("{spin} Checking every object with a server-side dry-run…"),
            t.info,
        )),
        ApplyPhase::Confirm => {
            lines.push(Line::styled(
                format!(
                    "The API server accepts every object. Apply them ({}) to context \"{}\" ({}), namespace \"{}\"?",
                    crate::security::apply_risk(&panel.plan.objects),
                    info.context,
                    info.server,
                    panel.plan.namespace
                ),
                t.title,
            ));
            lines.push(Line::from(vec![
                Span::styled("y/Enter", t.key),
                Span::styled(" apply   ", t.muted),
                Span::styled("n/Esc", t.key),
                Span::styled(" cancel (nothing is written)", t.muted),
            ]));
        }
        ApplyPhase::Rejected => {
            if let Some(e) = &panel.error {
                lines.push(Line::styled(format!("✖ {e}"), t.error));
            }
            lines.push(Line::styled(
                match &panel.rejected_hint {
                    Some(hint) => format!("Nothing was written; confirming is refused. {hint} n/Esc closes."),
                    None => "Nothing was written; confirming is refused. Pick another mode, or a namespace whose Pod Security level admits this one. n/Esc closes.".to_string(),
                },
                t.muted,
            ));
        }
        ApplyPhase::Applying => {
            let doing = match panel.stage {
                Some(Stage::DryRun) | None => "checking",
                Some(Stage::Apply) => "applying",
                Some(Stage::RollBack) => "rolling back what this apply created",
                Some(Stage::Watch) => "watching the Pod's phase",
            };
            lines.push(Line::styled(format!("{spin} {doing}…"), t.info));
            if let Some(pod) = &panel.pod {
                lines.push(Line::styled(format!("Pod: {}", pod.describe()), t.text));
            }
        }
        ApplyPhase::Applied => {
            lines.push(Line::styled(
                format!(
                    "✔ Applied to context \"{}\" ({}).",
                    info.context, info.server
                ),
                t.success,
            ));
            if let Some(pod) = &panel.pod {
                let pod_ref = panel
                    .plan
                    .pod_index()
                    .and_then(|i| panel.plan.objects.get(i))
                    .map_or_else(|| "Pod".to_string(), |o| o.reference());
                let after = if pod.timed_out {
                    " (after waiting)"
                } else {
                    ""
                };
                lines.push(Line::styled(
                    format!("{pod_ref}: {}{after}", pod.describe()),
                    t.title,
                ));
            }
            verify_lines(panel, spin, t, &mut lines);
            if !panel.plan.usage.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled("Then try:", t.text));
                for hint in &panel.plan.usage {
                    lines.push(Line::styled(format!("  # {}", hint.title), t.muted));
                    lines.push(Line::styled(format!("  {}", hint.command), t.key));
                }
            }
        }
        ApplyPhase::Failed => {
            if let Some(e) = &panel.error {
                lines.push(Line::styled(format!("✖ {e}"), t.error));
            }
        }
    }
    lines
}

/// The verification: how to start it, its progress lines, then the result with the error
/// and podwiz's diagnosis.
fn verify_lines(panel: &ApplyPanel, spin: &str, t: &Theme, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::raw(""));
    let Some(verify) = &panel.verify else {
        lines.push(Line::from(vec![
            Span::styled("v", t.key),
            Span::styled(
                " verifies: waits for Running (with the pod's events), then Podman imports and runs a one-file image in the pod (no registry)",
                t.muted,
            ),
        ]));
        return;
    };
    lines.push(Line::styled(
        format!(
            "Verify pod/{} (namespace {}):",
            verify.target.pod, verify.target.namespace
        ),
        t.title,
    ));
    for line in &verify.lines {
        let style = if line.contains(" event Warning ") {
            t.warning
        } else {
            t.text
        };
        lines.push(Line::styled(line.clone(), style));
    }
    match &verify.report {
        None => lines.push(Line::styled(format!("{spin} verifying…"), t.info)),
        Some(report) => {
            let summary = report.summary(&verify.target);
            let style = if report.verified() {
                t.success
            } else {
                t.error
            };
            let mut rest = summary.into_iter();
            if let Some(first) = rest.next() {
                let mark = if report.verified() { "✔" } else { "✖" };
                lines.push(Line::styled(format!("{mark} {first}"), style));
            }
            lines.extend(rest.map(|l| Line::styled(l, t.text)));
        }
    }
}

fn object_state(
    state: &ObjectState,
    spin: &'static str,
    t: &Theme,
) -> (&'static str, Style, String) {
    match state {
        ObjectState::Waiting => ("·", t.muted, "waiting".into()),
        ObjectState::DryRunning => (spin, t.info, "dry-run…".into()),
        ObjectState::Valid => ("✔", t.success, "valid (dry-run)".into()),
        ObjectState::Deferred(reason) => ("…", t.muted, format!("deferred: {reason}")),
        ObjectState::Rejected(message) => ("✖", t.error, format!("REJECTED: {message}")),
        ObjectState::Writing => (spin, t.info, "applying…".into()),
        ObjectState::Created => ("✔", t.success, "Applied: created".into()),
        ObjectState::Configured => ("✔", t.success, "Applied: configured".into()),
        ObjectState::Unchanged => ("✔", t.success, "Applied: unchanged".into()),
        ObjectState::Failed(message) => ("✖", t.error, format!("FAILED: {message}")),
        ObjectState::Skipped => (
            "–",
            t.muted,
            "skipped: not applied (another object failed)".into(),
        ),
        ObjectState::RolledBack(note) => (
            "↶",
            t.warning,
            match note {
                Some(n) => format!("rolled back: deleted again ({n})"),
                None => "rolled back: deleted again (this apply had created it)".into(),
            },
        ),
        ObjectState::RollbackFailed(message) => (
            "✖",
            t.error,
            format!("LEFT BEHIND: could not delete it: {message}"),
        ),
    }
}
