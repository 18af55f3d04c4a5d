//! `sladesk`: one binary for the whole service desk. This file only parses the command line and
//! turns errors into exit codes: 2 for bad input (with a line on stderr), 1 for anything else.

mod cli;

use std::process::ExitCode;

use clap::Parser;

// See the workspace's Cargo.toml for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLADESK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sladesk: {}", error.text(cli::language_of_the_shell()));
            ExitCode::from(error.exit_code())
        }
    }
}
