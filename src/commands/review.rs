//! `podwiz -f FILE|-` and `podwiz TYPE/NAME [-n NS]`: the wizard opened on the Review of a
//! manifest someone already runs. This front door reads the file (or checks the object's name)
//! before the terminal changes, so bad input is one line on stderr and exit 2, never a garbled
//! screen; a live object is fetched by the wizard after its first frame.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::ReviewArgs;
use crate::commands::explain_manifest::{parse_object, read_input};
use crate::exit::UsageError;
use crate::manifest;
use crate::security::pss::PolicyVersion;
use crate::tui::manifest::{Fetch, ManifestReview};
use crate::tui::{self, theme};

pub fn run(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let review = review_of(args)?;
    let no_color = std::env::var("NO_COLOR").ok();
    let config = theme::config_path();
    let theme = theme::choose(
        args.theme.as_deref(),
        no_color.as_deref(),
        config.as_deref(),
    )?;
    if !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "the wizard needs a terminal; without one use podwiz explain -f FILE (or TYPE/NAME), with --suggest or --diff".into(),
        )
        .into());
    }
    tui::run_review(theme, &args.tui(), review, args.source.namespace.clone())
}

/// The Review to open: read and judged for a file; waiting for the cluster for a live object.
///
/// Errors: [`UsageError`] (one line, exit 2) for an unreadable file, input that is not
/// Kubernetes, no pod template, or a TYPE/NAME podwiz does not read.
pub fn review_of(args: &ReviewArgs) -> Result<ManifestReview, UsageError> {
    let source = &args.source;
    if let Some(path) = &source.filename {
        let bytes = read_input(path)?;
        let shown = path.display().to_string();
        let manifests =
            manifest::read_manifests(&bytes).map_err(|e| UsageError(format!("{shown}: {e}")))?;
        let version = source.policy_version.unwrap_or(PolicyVersion::Latest);
        return ManifestReview::from_manifests(shown, &manifests, version).map_err(UsageError);
    }
    let object = source.object.as_deref().unwrap_or_default();
    let (kind, name) = parse_object(object)?;
    Ok(ManifestReview::loading(
        object.to_string(),
        Fetch {
            kind,
            name,
            namespace: source.namespace.clone(),
        },
        source.policy_version,
    ))
}
