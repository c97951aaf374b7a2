use std::process::ExitCode;

use crate::cli::ExplainArgs;

pub fn run(_args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'explain' is not available in this build yet")
}
