use std::process::ExitCode;

use crate::cli::TuiArgs;

pub fn run(_args: &TuiArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'wizard' is not available in this build yet")
}
