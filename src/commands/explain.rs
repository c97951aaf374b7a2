//! `podwiz explain MODE [options] [-o text|json]`: the security report of a bundle.

use std::process::ExitCode;

use crate::cli::{ExplainArgs, TextOrJson};

use crate::security::assets::{Scope, label};
use crate::security::compare::wrap;
use crate::security::{self, Finding, Report};

const WIDTH: usize = 100;

pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let bundle = security::build_at(args.mode.mode, &args.mode.options(), args.policy.version())?;
    let report = security::assess_at(&bundle, args.policy.version());
    let text = match args.output {
        TextOrJson::Json => serde_json::to_string_pretty(&report)? + "\n",
        TextOrJson::Text => text(&report),
    };
    crate::exit::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn finding(out: &mut String, f: &Finding) {
    out.push_str(&format!(
        "  [{} {}] {}\n",
        f.severity.symbol(),
        f.severity.as_str().to_uppercase(),
        f.title
    ));
    out.push_str(&format!("      {} {}\n", f.object, f.field));
    out.push_str(&wrap(&format!("      {}", f.detail), WIDTH, "      "));
    out.push_str(&wrap(&format!("      ({})", f.source), WIDTH, "       "));
}

fn bullet(out: &mut String, indent: &str, text: &str) {
    let first = format!("{indent}- ");
    let rest = format!("{indent}  ");
    let wrapped = wrap(&format!("{first}{text}"), WIDTH, &rest);
    out.push_str(&wrapped);
}

/// The human-readable report: severity is always a word and a symbol, never colour alone.
pub fn text(report: &Report) -> String {
    let mut out = format!(
        "podwiz explain {}: {}\n\n",
        report.mode,
        report.mode.summary()
    );

    out.push_str(&format!(
        "{}: {}\n",
        label("pss_heading"),
        label("pss_line")
            .replace("{level}", report.pss.level.as_str())
            .replace("{version}", &report.pss.version.to_string())
    ));
    for (heading, violations) in [
        ("pss_baseline_heading", &report.pss.violations.baseline),
        ("pss_restricted_heading", &report.pss.violations.restricted),
    ] {
        if !violations.is_empty() {
            out.push_str(&format!("  {}\n", label(heading)));
            for v in violations {
                bullet(&mut out, "    ", v);
            }
        }
    }

    let pod: Vec<&Finding> = report.pod_findings().collect();
    out.push_str(&format!(
        "\n{} — {} ({})\n",
        label("findings_heading"),
        label("findings_your_pod"),
        pod.len()
    ));
    if pod.is_empty() {
        out.push_str(&format!("  {}\n", label("findings_none")));
    }
    for f in pod {
        finding(&mut out, f);
    }
    if let Some(addon) = &report.addon {
        let findings: Vec<&Finding> = report.addon_findings().collect();
        out.push_str(&format!(
            "\n{} — {} ({})\n",
            label("findings_heading"),
            label("findings_addon"),
            findings.len()
        ));
        bullet(
            &mut out,
            "  ",
            &label("addon_line")
                .replace("{object}", &addon.object)
                .replace("{level}", addon.level.as_str()),
        );
        for f in findings {
            finding(&mut out, f);
        }
    }

    out.push_str(&format!("\n{}\n", label("grants_heading")));
    for (scope, key) in [(Scope::Pod, "grants_pod"), (Scope::Node, "grants_node")] {
        let grants: Vec<_> = report.grants.iter().filter(|g| g.scope == scope).collect();
        if grants.is_empty() {
            continue;
        }
        out.push_str(&format!("  {}:\n", label(key)));
        for g in grants {
            bullet(&mut out, "    ", &g.text);
        }
    }

    out.push_str(&format!("\n{}\n", label("host_changes_heading")));
    if report.host_changes.is_empty() {
        out.push_str(&format!("  {}\n", label("host_changes_none")));
    }
    for change in &report.host_changes {
        bullet(&mut out, "  ", change);
    }

    out.push_str(&format!("\n{}\n", label("requirements_heading")));
    for requirement in &report.requirements {
        bullet(&mut out, "  ", requirement);
    }

    out.push_str(&format!("\n{}\n", label("works_inside_heading")));
    for claim in &report.works_inside {
        bullet(&mut out, "  ", &claim.text);
        out.push_str(&wrap(
            &format!(
                "      [{}] {}",
                claim.verification.mark(),
                claim_status(claim)
            ),
            WIDTH,
            "        ",
        ));
    }
    out
}

/// `verified (variant default) on Kubernetes ...`, `FAILS on ...: ERROR`, `not verified: WHY`.
fn claim_status(claim: &security::Claim) -> String {
    use crate::security::Verification;
    let check = claim
        .check
        .map(|c| format!(" ({})", c.as_str()))
        .unwrap_or_default();
    match &claim.verification {
        Verification::Verified { runtime, .. } => {
            format!("{}{check} on {runtime}", label("verification_verified"))
        }
        Verification::VerifiedFailing { runtime, error, .. } => {
            format!(
                "{}{check} on {runtime}: {error}",
                label("verification_failing")
            )
        }
        Verification::NotVerified { reason } => {
            format!("{}{check}: {reason}", label("verification_not_verified"))
        }
    }
}
