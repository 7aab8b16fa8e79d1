//! The `confidant` binary: argument parsing and wiring only. The logic lives
//! in the library crates; this file maps their results to output and exit
//! codes (0 an answer, 1 an internal failure, 2 bad input).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod check;
mod render;
mod rules;

/// Confidant: may I share this, with this person, for this reason?
#[derive(Debug, Parser)]
#[command(name = "confidant", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide a disclosure request (JSON object) or a batch (JSON array).
    Check {
        /// The request file; `-` or nothing reads standard input.
        file: Option<String>,
        /// Output format; defaults to `text` on a terminal and `json` otherwise.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// List every rule, or explain one rule by id.
    Rules {
        /// A rule id such as `hipaa.treatment`.
        id: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

/// How a command ended: the exit code and, on failure, the one-line message.
pub enum Failure {
    /// Bad input: exit 2.
    Input(String),
    /// A defect or I/O failure: exit 1.
    Internal(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { file, format } => check::run(file.as_deref(), format),
        Command::Rules { id, format } => rules::run(id.as_deref(), format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(message)) => {
            eprintln!("error: internal: {message}");
            ExitCode::from(1)
        }
    }
}
