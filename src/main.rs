use std::process::ExitCode;

use clap::Parser;
use podwiz::cli::{Cli, Command, TuiArgs};
use podwiz::{commands, exit};

fn main() -> ExitCode {
    // `podwiz` alone opens the wizard: its first frame does not wait for clap to build the whole
    // command tree (there is nothing to parse).
    if std::env::args_os().len() <= 1 {
        return finish(commands::wizard::run(&TuiArgs::default()));
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
