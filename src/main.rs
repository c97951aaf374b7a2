use std::process::ExitCode;

use clap::Parser;
use podwiz::cli::{self, Cli, Command, TuiArgs};
use podwiz::{commands, exit};

fn main() -> ExitCode {
    // `podwiz` alone opens the wizard: its first frame does not wait for clap to build the whole
    // command tree (there is nothing to parse).
    if std::env::args_os().len() <= 1 {
        return finish(commands::wizard::run(&TuiArgs::default()));
    }
    // `explain -f FILE`, `explain TYPE/NAME`, `-f FILE` and `TYPE/NAME` (the wizard's Review of
    // that manifest) read a manifest: their own parsers, since the usual forms take a mode in
    // the same place.
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match cli::manifest_form(&args) {
        cli::Form::ExplainManifest => {
            let parsed = cli::ExplainManifestArgs::parse_from(
                std::iter::once("podwiz explain".into()).chain(args.into_iter().skip(1)),
            );
            return finish(commands::explain_manifest::run(&parsed));
        }
        cli::Form::Review => {
            let parsed = cli::ReviewArgs::parse_from(
                std::iter::once(std::ffi::OsString::from("podwiz")).chain(args),
            );
            return finish(commands::review::run(&parsed));
        }
        cli::Form::Other => {}
    }
    let cli = Cli::parse();
    let result = match &cli.command {
        None => commands::wizard::run(&cli.tui),
        Some(Command::Modes(args)) => commands::modes::run(args),
        Some(Command::Generate(args)) => commands::generate::run(args),
        Some(Command::Explain(args)) => commands::explain::run(args),
        Some(Command::Compare(args)) => commands::compare::run(args),
        Some(Command::Troubleshoot(args)) => commands::troubleshoot::run(args),
        Some(Command::Doctor(args)) => commands::doctor::run(args),
        Some(Command::Apply(args)) => commands::apply::run(args),
        Some(Command::Completions(args)) => commands::completions::run(args),
    };
    finish(result)
}

fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) if exit::is_closed_pipe(&error) => exit::end_on_closed_pipe(),
        Err(error) => {
            // Not eprintln!: it panics when stderr is a closed pipe too.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "podwiz: {error:#}");
            ExitCode::from(exit::code_for(&error))
        }
    }
}
