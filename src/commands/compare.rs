use std::process::ExitCode;

use crate::cli::CompareArgs;

pub fn run(_args: &CompareArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'compare' is not available in this build yet")
}
