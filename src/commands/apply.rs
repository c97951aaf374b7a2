use std::process::ExitCode;

use crate::cli::ApplyArgs;

pub fn run(_args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'apply' is not available in this build yet")
}
