use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{ModesArgs, TextOrJson};
use crate::scenario::Mode;

#[derive(Serialize)]
struct ModeLine {
    id: Mode,
    summary: &'static str,
    privileged: bool,
}

pub fn run(args: &ModesArgs) -> anyhow::Result<ExitCode> {
    crate::exit::print(&render(args.output)?)?;
    Ok(ExitCode::SUCCESS)
}

pub fn render(format: TextOrJson) -> anyhow::Result<String> {
    Ok(match format {
        TextOrJson::Text => Mode::ALL
            .iter()
            .map(|m| format!("{:<17} {}\n", m.id(), m.summary()))
            .collect(),
        TextOrJson::Json => {
            let lines: Vec<ModeLine> = Mode::ALL
                .iter()
                .map(|&m| ModeLine {
                    id: m,
                    summary: m.summary(),
                    privileged: m.is_privileged(),
                })
                .collect();
            serde_json::to_string_pretty(&lines)? + "\n"
        }
    })
}
