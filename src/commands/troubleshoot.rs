use std::process::ExitCode;

use crate::cli::TroubleshootArgs;

pub fn run(_args: &TroubleshootArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'troubleshoot' is not available in this build yet")
}
