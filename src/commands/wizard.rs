use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::TuiArgs;
use crate::exit::UsageError;
use crate::tui::{self, clipboard, theme};

/// `podwiz` without a subcommand: the interactive wizard.
pub fn run(args: &TuiArgs) -> anyhow::Result<ExitCode> {
    // The detached clipboard keeper started by a quitting wizard (see `tui::clipboard`).
    if std::env::var_os(clipboard::SERVE_ENV).is_some() {
        return clipboard::serve_stdin();
    }
    let no_color = std::env::var("NO_COLOR").ok();
    let config = theme::config_path();
    let theme = theme::choose(
        args.theme.as_deref(),
        no_color.as_deref(),
        config.as_deref(),
    )?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(UsageError(
            "the wizard needs a terminal; without one use `podwiz generate MODE` (see `podwiz --help`)".into(),
        )
        .into());
    }
    // The wizard's terminal is in raw mode: an exec credential plugin must not prompt on it.
    crate::cluster::credentials::forbid_interactive();
    tui::run(theme, args)
}
