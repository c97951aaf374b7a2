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
pub mod review;
pub mod troubleshoot;
pub mod wizard;

/// With `PODWIZ_REQUEST_TRACE` set (non-empty), prints the connections and the request waves of
/// `conn` to stderr when dropped (`podwiz trace: ...` lines), for scripts/bench-round-trips.sh
/// and tests/round_trips.rs. Nothing otherwise.
pub(crate) struct TraceOnDrop(pub crate::cluster::Connection);

impl Drop for TraceOnDrop {
    fn drop(&mut self) {
        if std::env::var_os("PODWIZ_REQUEST_TRACE").is_none_or(|v| v.is_empty()) {
            return;
        }
        use std::io::Write as _;
        let mut err = std::io::stderr().lock();
        for line in self.0.trace.describe().lines() {
            let _ = writeln!(err, "podwiz trace: {line}");
        }
    }
}
