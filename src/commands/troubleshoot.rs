//! `podwiz troubleshoot [TEXT | -]`: name the known cause of an error message.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::TroubleshootArgs;
use crate::exit::{self, UsageError};
use crate::security::assets::label;
use crate::security::compare::wrap;
use crate::security::{Diagnosis, diagnose, explain_choice};

pub fn run(args: &TroubleshootArgs) -> anyhow::Result<ExitCode> {
    let text = match args.text.as_slice() {
        [] => return Err(UsageError(label("troubleshoot_empty").to_string()).into()),
        [dash] if dash == "-" => {
            let mut input = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut input)
                .context("cannot read standard input")?;
            input
        }
        words => words.join(" "),
    };
    match diagnose(&text) {
        Some(diagnosis) => {
            crate::exit::print(&render(&diagnosis))?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("{}", label("troubleshoot_unknown"));
            Ok(ExitCode::from(exit::FAILURE))
        }
    }
}

/// The diagnosis as text: error, cause, fix, what avoids it (with the choice's title), source.
pub fn render(d: &Diagnosis) -> String {
    let mut out = String::new();
    let field = |out: &mut String, key: &str, value: &str| {
        out.push_str(&wrap(&format!("{}: {value}", label(key)), 100, "  "));
    };
    field(
        &mut out,
        "troubleshoot_error",
        &format!("{} [{}]", d.error, d.id),
    );
    field(&mut out, "troubleshoot_cause", &d.cause);
    field(&mut out, "troubleshoot_fix", &d.fix);
    if !d.avoided_by.is_empty() {
        out.push_str(&format!("{}:\n", label("troubleshoot_avoided_by")));
        for key in &d.avoided_by {
            let title = explain_choice(key).map(|e| e.title.as_str()).unwrap_or("");
            out.push_str(&wrap(&format!("  - {key}: {title}"), 100, "    "));
        }
    }
    field(&mut out, "troubleshoot_source", &d.source);
    out
}
