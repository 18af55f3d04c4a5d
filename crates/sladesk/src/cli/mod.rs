//! The command line: `sladesk sla …` (the SLA engine on files and stdin).

mod availability;
mod service;
mod sla;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sladesk_core::policy::{Policy, PolicyError};

#[derive(Debug, Parser)]
#[command(
    name = "sladesk",
    version,
    about = "A self-hosted service desk built around the SLA"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the SLA engine directly: evaluate timelines, list a calendar, show the policy.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
    /// Monthly availability (A1-A3).
    #[command(subcommand)]
    Availability(availability::AvailabilityCommand),
    /// Run the service desk: API, background jobs and mail, on SQLite (default) or PostgreSQL.
    Serve {
        #[command(flatten)]
        service: service::ServiceArgs,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// A TOML policy file laid over the built-in SLA policy.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        service: service::ServiceArgs,
    },
    /// API tokens.
    #[command(subcommand)]
    Token(service::TokenCommand),
    /// People who sign in to the web pages.
    #[command(subcommand)]
    User(service::UserCommand),
}

/// A failed command. Bad input exits with 2, a failure of the machine with 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Service(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) | CliError::Policy(_) => 2,
            CliError::Io(_) | CliError::Service(_) => 1,
        }
    }
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Sla(command) => sla::run(command),
        Command::Availability(command) => availability::run(command),
        Command::Serve {
            service,
            listen,
            policy,
        } => service::serve(service, listen, policy),
        Command::Migrate { service } => service::migrate(service),
        Command::Token(command) => service::token(command),
        Command::User(command) => service::user(command),
    }
}

/// The built-in policy, with the file `path` laid over it when given.
pub fn load_policy(path: Option<&PathBuf>) -> Result<Policy, CliError> {
    let Some(path) = path else {
        return Ok(Policy::default_policy());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::BadInput(format!("cannot read policy file {}: {e}", path.display()))
    })?;
    Policy::with_overlays(&[&text])
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}
