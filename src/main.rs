use std::process::ExitCode;

use clap::Parser;
use podwiz::cli::{Cli, Command};
use podwiz::{commands, exit};

fn main() -> ExitCode {
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
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("podwiz: {error:#}");
            ExitCode::from(exit::code_for(&error))
        }
    }
}
