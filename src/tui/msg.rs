//! Everything that can happen to the wizard arrives as a `Msg`; everything it wants done outside
//! itself leaves as an `Effect`. Async work (cluster, apply) answers with messages.

use crossterm::event::{KeyEvent, MouseEvent};

use super::state::ClusterStatus;
use crate::cluster::apply::{ApplyEvent, ApplyPlan, ApplyReport};
use crate::cluster::context::ContextInfo;
use crate::cluster::verify::{VerifyEvent, VerifyOptions, VerifyReport, VerifyTarget};

#[derive(Clone, Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The cluster line: context read, server answered, or why not.
    Cluster(ClusterStatus),
    /// The result of an `Effect::Copy`: what the status line should say.
    Copied(Result<String, String>),
    /// The result of an `Effect::Save`.
    Saved(SaveOutcome),
    /// The kube context was read (who and where an apply would write).
    KubeContext(ContextInfo),
    /// Progress of the running dry-run or apply, per object.
    Apply(ApplyEvent),
    /// The dry-run or apply finished: its report, or the engine's error text (exact).
    ApplyDone(Result<ApplyReport, String>),
    /// Progress of the running verification (`v` after an apply).
    Verify(VerifyEvent),
    /// The verification finished (verified, or the failure with its diagnosis).
    VerifyDone(Box<VerifyReport>),
    /// The live object of `podwiz TYPE/NAME` (its JSON and the server's Pod Security policy
    /// version), or why it could not be read (one line).
    ManifestFetched(Result<(serde_json::Value, crate::security::pss::PolicyVersion), String>),
    /// Spinner frame; sent only while an apply or a verification runs.
    Tick,
    /// SIGTERM, SIGINT or SIGHUP: leave cleanly.
    Signal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveOutcome {
    Wrote { files: usize, dir: String },
    NotEmpty { dir: String },
    Failed(String),
}

/// Work for the runtime. The update function never performs I/O itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Put `text` on the clipboard; `what` is for the status line ("3 documents").
    Copy {
        text: String,
        what: String,
    },
    /// Write the saved files (from `render::out_dir_files`) into `dir`.
    Save {
        dir: String,
        files: Vec<crate::render::OutFile>,
        force: bool,
    },
    /// Run `plan` on the connected cluster: a server-side dry-run (`dry_run`, writes nothing),
    /// or the server-side apply watching the Pod for `wait`. Answers with `Msg::Apply`
    /// progress, `Msg::Tick` while it runs, and one `Msg::ApplyDone`.
    Apply {
        plan: Box<ApplyPlan>,
        dry_run: bool,
        wait: std::time::Duration,
    },
    /// Verify the applied pod: wait for Running (its events as they come), then the smoke test
    /// (`cluster::verify`). Answers with `Msg::Verify` progress, `Msg::Tick` while it runs, and
    /// one `Msg::VerifyDone`.
    Verify {
        target: VerifyTarget,
        opts: VerifyOptions,
    },
    Quit,
}
