//! `podwiz compare [-o text|json|markdown]`: the six modes side by side.

use std::process::ExitCode;

use crate::cli::{CompareArgs, TableFormat};
use crate::security::compare;

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let rows = compare::rows_at(args.policy.version());
    let text = match args.output {
        TableFormat::Text => compare::text_table(&rows),
        TableFormat::Markdown => compare::markdown_table(&rows),
        TableFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
    };
    crate::exit::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
