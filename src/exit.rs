//! Process exit codes and the errors that choose them.

/// Bad input: a flag value, a mode, a file that should not be overwritten. Exit code 2, like clap.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The user (or the lack of a terminal) did not confirm a write. Exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const REFUSED: u8 = 3;

/// The exit code for an error that reached `main`.
pub fn code_for(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<UsageError>().is_some()
        || error
            .downcast_ref::<crate::scenario::OptionError>()
            .is_some()
    {
        USAGE
    } else if error.downcast_ref::<Refused>().is_some() {
        REFUSED
    } else {
        FAILURE
    }
}
