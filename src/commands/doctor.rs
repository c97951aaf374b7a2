use std::process::ExitCode;

use crate::cli::DoctorArgs;

pub fn run(_args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'doctor' is not available in this build yet")
}
