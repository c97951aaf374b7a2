//! Process exit codes and the errors that choose them.

/// Bad input: a flag value, a mode, a file that should not be overwritten. Exit code 2, like clap.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The user (or the lack of a terminal) did not confirm a write. Exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// `apply --verify`: the objects were applied, but the pod did not prove that Podman runs in it
/// (not Running in time, or a smoke-test step failed). Exit code 4; the applied objects stay.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotVerified(pub String);

/// Any other failure (an apply error, an unreachable cluster, ...).
pub const FAILURE: u8 = 1;
/// Bad input (flags, values).
pub const USAGE: u8 = 2;
/// A write was not confirmed.
pub const REFUSED: u8 = 3;
/// `apply --verify`: applied, but verification failed.
pub const NOT_VERIFIED: u8 = 4;

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
    } else if error.downcast_ref::<NotVerified>().is_some() {
        NOT_VERIFIED
    } else {
        FAILURE
    }
}

/// Writes `text` to stdout and flushes it. A reader that went away (`podwiz modes | head -1`)
/// is an `io::ErrorKind::BrokenPipe` error: return it to `main`, which ends quietly
/// ([`is_closed_pipe`], [`end_on_closed_pipe`]). Never panics, unlike `print!`.
pub fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether `error` is (or was caused by) a write to a closed pipe.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Ends the process the way coreutils end when their reader goes away: killed by `SIGPIPE`,
/// without a message (the shell reports status 141 = 128 + 13, and says nothing unless
/// `pipefail` asks for the status). Rust ignores `SIGPIPE` at start-up, so the default action
/// is restored first; should raising it fail, the exit status is 141 all the same.
pub fn end_on_closed_pipe() -> ! {
    // SAFETY: restoring the default disposition of one signal and raising it; no handler runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(128 + libc::SIGPIPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_kind_has_its_own_code() {
        let cases: [(anyhow::Error, u8); 4] = [
            (UsageError("bad".into()).into(), USAGE),
            (Refused("no".into()).into(), REFUSED),
            (
                NotVerified("applied, not verified".into()).into(),
                NOT_VERIFIED,
            ),
            (anyhow::anyhow!("connection refused"), FAILURE),
        ];
        for (error, code) in cases {
            assert_eq!(code_for(&error), code, "{error}");
        }
        let codes = [FAILURE, USAGE, REFUSED, NOT_VERIFIED];
        let distinct: std::collections::BTreeSet<u8> = codes.into_iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
