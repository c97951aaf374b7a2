//! `podwiz apply MODE`: confirm, server-side dry-run, server-side apply, roll back on failure,
//! watch the Pod. The work is `cluster::apply`; this prints its progress as lines.
//!
//! The plan (context, server, namespace, objects) and the prompt go to stderr; progress lines
//! and the result go to stdout. Without a terminal on stdin and without `--yes`, it refuses
//! (exit 3) before any network request.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ApplyArgs;
use crate::cluster::apply::{
    self as engine, ApplyEvent, ApplyOptions, ApplyPlan, ApplyReport, Outcome, Stage,
};
use crate::cluster::verify::{self, VerifyEvent, VerifyOptions, VerifyReport, VerifyTarget};
use crate::cluster::{Connection, client, context};
use crate::exit::{self, NotVerified, Refused, UsageError};

pub fn run(args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let options = args.mode.options();
    let bundle = crate::security::build(args.mode.mode, &options)?;
    if let Some(image) = &args.verify_image {
        verify::check_image(image).map_err(UsageError)?;
    }
    let (info, config) = context::load(&args.cluster, bundle.options.namespace.as_deref())?;
    let plan = ApplyPlan::new(info, &bundle);
    let interactive = std::io::stdin().is_terminal();

    let heading = if args.dry_run {
        "Server-side dry-run (nothing is written):"
    } else {
        "podwiz will server-side apply (field manager \"podwiz\"):"
    };
    let _ = writeln!(std::io::stderr(), "{heading}\n{}", plan.describe());
    if !args.dry_run && !args.yes && !interactive {
        return Err(Refused(format!(
            "not applied: no terminal to confirm on (stdin is not a TTY); re-run with --yes to apply to context \"{}\" ({}), or with --dry-run to only validate",
            plan.info.context, plan.info.server
        ))
        .into());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // No probe request: the first wave of the apply tells whether the server answers.
    let conn = {
        let _runtime = runtime.enter();
        client::build(plan.info.clone(), config)?
    };
    let _trace = super::TraceOnDrop(conn.clone());
    let opts = ApplyOptions {
        dry_run: args.dry_run,
        force_conflicts: args.force_conflicts,
        // With --verify, the verification watches the pod (with its events) instead.
        wait: if args.verifying() {
            Duration::ZERO
        } else {
            Duration::from_secs(args.wait_seconds())
        },
        fail_write: None,
    };

    if args.dry_run {
        let report = runtime.block_on(run_printing(&conn, &plan, &opts))?;
        print_summary(&plan, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        // Interactive: validate first, then ask.
        let dry = ApplyOptions {
            dry_run: true,
            ..opts.clone()
        };
        runtime.block_on(run_printing(&conn, &plan, &dry))?;
        if !confirm(&plan)? {
            return Err(Refused("not applied: not confirmed".into()).into());
        }
    }
    let report = runtime.block_on(run_printing(&conn, &plan, &opts))?;
    print_summary(&plan, &report)?;
    if !args.verifying() {
        return Ok(ExitCode::SUCCESS);
    }
    let Some(target) = VerifyTarget::of(&plan) else {
        return Err(
            NotVerified("applied, but not verified: the bundle has no Pod".to_string()).into(),
        );
    };
    // The exec goes through the connection's upgrade client, as in the wizard (one path).
    let verify_opts = VerifyOptions {
        exec_client: None,
        wait: Duration::from_secs(args.wait_seconds()),
        image: args.verify_image.clone(),
        exec_timeout: verify::EXEC_TIMEOUT,
    };
    let (outcome, closed) = runtime.block_on(verify_printing(&conn, &target, &verify_opts));
    // The reader went away during the verification: end as on any closed pipe (see `exit`).
    if let Some(e) = closed {
        return Err(e.into());
    }
    match &outcome.failure {
        None => Ok(ExitCode::SUCCESS),
        Some(failure) => Err(NotVerified(format!(
            "applied to context \"{}\", but not verified: {} (exit code {})",
            plan.info.context,
            failure.headline(),
            exit::NOT_VERIFIED
        ))
        .into()),
    }
}

/// Runs the verification, printing its progress. A closed standard output does not stop it
/// (it only reads and execs); the first write error is returned beside the report.
async fn verify_printing(
    conn: &Connection,
    target: &VerifyTarget,
    opts: &VerifyOptions,
) -> (VerifyReport, Option<std::io::Error>) {
    let mut closed = None;
    say(
        format!(
            "Verify pod/{} (namespace {}): wait for Running (up to {} s), then a smoke test in container {} (no registry{}):",
            target.pod,
            target.namespace,
            opts.wait.as_secs(),
            target.container,
            opts.image
                .as_ref()
                .map(|i| format!("; then pull and run {i}"))
                .unwrap_or_default()
        ),
        &mut closed,
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<VerifyEvent>();
    let printer = async {
        let mut closed = None;
        while let Some(event) = rx.recv().await {
            say(event.line(), &mut closed);
        }
        closed
    };
    let (report, printer_closed) = tokio::join!(verify::verify(conn, target, opts, tx), printer);
    let mut closed = closed.or(printer_closed);
    for line in report.summary(target) {
        say(line, &mut closed);
    }
    (report, closed)
}

/// Prints one line unless an earlier write found the pipe closed; keeps the first error.
fn say(text: String, closed: &mut Option<std::io::Error>) {
    if closed.is_none()
        && let Err(e) = crate::exit::print(&format!("{text}\n"))
    {
        *closed = Some(e);
    }
}

/// Asks y/N on stderr, reads a line from stdin.
fn confirm(plan: &ApplyPlan) -> anyhow::Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(
        err,
        "Apply {} object(s) ({}) to context \"{}\" ({}), namespace \"{}\"? [y/N] ",
        plan.objects.len(),
        crate::security::apply_risk(&plan.objects),
        plan.info.context,
        plan.info.server,
        plan.namespace
    )?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

async fn run_printing(
    conn: &Connection,
    plan: &ApplyPlan,
    opts: &ApplyOptions,
) -> anyhow::Result<ApplyReport> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // A reader that goes away does not stop the apply halfway: it finishes (or rolls back),
    // and the closed pipe is reported after it.
    let printer = async {
        let mut closed = None;
        while let Some(event) = rx.recv().await {
            if closed.is_none()
                && let Some(text) = event_line(plan, &event)
                && let Err(e) = crate::exit::print(&format!("{text}\n"))
            {
                closed = Some(e);
            }
        }
        closed
    };
    let (result, closed) = tokio::join!(engine::apply(conn, plan, opts, tx), printer);
    let report = result?;
    match closed {
        Some(e) => Err(e.into()),
        None => Ok(report),
    }
}

fn warning_lines(warnings: &[String]) -> String {
    warnings
        .iter()
        .map(|w| format!("\n    Warning: {w}"))
        .collect()
}

/// One progress line (plus indented warnings), or None for events the CLI does not show.
pub fn event_line(plan: &ApplyPlan, event: &ApplyEvent) -> Option<String> {
    let label = |i: &usize| plan.label(*i);
    Some(match event {
        ApplyEvent::Stage { stage } => match stage {
            Stage::DryRun => "Dry-run:".to_string(),
            Stage::Apply => "Apply:".to_string(),
            Stage::RollBack => "Rolling back what this apply created:".to_string(),
            Stage::Watch => "Pod:".to_string(),
        },
        ApplyEvent::DryRunStarted { .. } | ApplyEvent::Applying { .. } => return None,
        ApplyEvent::DryRunOk { index, warnings } => {
            format!("  valid     {}{}", label(index), warning_lines(warnings))
        }
        ApplyEvent::DryRunFailed { index, message } => {
            format!("  REJECTED  {}: {message}", label(index))
        }
        ApplyEvent::DryRunDeferred { index, reason } => {
            format!("  deferred  {}: {reason}", label(index))
        }
        ApplyEvent::Applied {
            index,
            created,
            changed,
            warnings,
        } => {
            let what = match Outcome::of_write(*created, *changed) {
                Outcome::Created => "created  ",
                Outcome::Configured => "configured",
                _ => "unchanged",
            };
            format!("  {what:<9} {}{}", label(index), warning_lines(warnings))
        }
        ApplyEvent::Failed { index, message } => format!("  FAILED    {}: {message}", label(index)),
        ApplyEvent::Skipped { index } => {
            format!(
                "  skipped   {}: not applied (another object failed)",
                label(index)
            )
        }
        ApplyEvent::RolledBack { index, note } => format!(
            "  deleted   {}{}",
            label(index),
            note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
        ),
        ApplyEvent::RollbackFailed { index, message } => format!(
            "  LEFT BEHIND {}: could not delete it: {message}",
            label(index)
        ),
        ApplyEvent::PodSecurity { check } => format!("  {}", check.describe()),
        ApplyEvent::PodPhase { status } => {
            if status.final_ && status.timed_out {
                return None; // printed by the summary
            }
            format!("  {}", status.describe())
        }
    })
}

fn print_summary(plan: &ApplyPlan, report: &ApplyReport) -> std::io::Result<()> {
    crate::exit::print(&summary(plan, report))
}

fn summary(plan: &ApplyPlan, report: &ApplyReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let count = |f: fn(&Outcome) -> bool| report.objects.iter().filter(|o| f(&o.outcome)).count();
    if report.dry_run {
        let deferred = count(|o| matches!(o, Outcome::NotValidated { .. }));
        let _ = writeln!(
            out,
            "Dry-run done: {} object(s) accepted by the API server{}; nothing was written.",
            count(|o| *o == Outcome::Validated),
            if deferred > 0 {
                format!(", {deferred} to be validated once their namespace exists")
            } else {
                String::new()
            }
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Applied to context \"{}\": {} created, {} configured, {} unchanged.",
        plan.info.context,
        count(|o| *o == Outcome::Created),
        count(|o| *o == Outcome::Configured),
        count(|o| *o == Outcome::Unchanged),
    );
    if let Some(pod) = &report.pod {
        let pod_ref = plan
            .pod_index()
            .map(|i| plan.objects[i].reference())
            .unwrap_or_else(|| "pod".into());
        let after = if pod.timed_out {
            " (after waiting; --wait SECONDS to wait longer)"
        } else {
            ""
        };
        let _ = writeln!(out, "{pod_ref}: {}{after}", pod.describe());
    }
    if !report.usage.is_empty() {
        let _ = writeln!(out, "Then try:");
        for hint in &report.usage {
            let _ = writeln!(out, "  # {}\n  {}", hint.title, hint.command);
        }
    }
    out
}
