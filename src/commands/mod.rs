//! One module per subcommand. Each `run` returns the exit code on success and an error otherwise;
//! `main` turns errors into a one-line message and an exit code (see `exit`).

pub mod apply;
pub mod compare;
pub mod completions;
pub mod doctor;
pub mod explain;
pub mod explain_manifest;
pub mod generate;
pub mod modes;
pub mod troubleshoot;
pub mod wizard;
