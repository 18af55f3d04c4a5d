//! The command line: `sladesk sla …` (the SLA engine on files and stdin).

mod availability;
mod continuity;
mod exchange;
mod mail;
mod report;
mod service;
mod sla;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sladesk::catalogue::Message;
use sladesk_core::policy::{Policy, PolicyError};
use sladesk_core::text::Language;

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
    /// The monthly SLA report (S3) of an organisation or the whole desk; `report rebuild`
    /// recomputes the figures it counts from the tickets' events.
    Report(report::ReportArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(service::TokenCommand),
    /// People who sign in to the web pages.
    #[command(subcommand)]
    User(service::UserCommand),
    /// The desk's own backups (D1): take one now, list them, make a key.
    #[command(subcommand)]
    Backup(continuity::BackupCommand),
    /// Restore a backup into an empty data folder or PostgreSQL database (D1).
    Restore(continuity::RestoreArgs),
    /// A recovery drill (D2): restore the newest backup into a scratch target, start a server
    /// on it, check its answers, and record the time against the scenario's RTO; or record a
    /// drill done by hand (--took).
    Drill(continuity::DrillArgs),
    /// Write the desk (or one customer's part of it) as a data set: JSON Lines
    /// (docs/EXCHANGE.md), to stdout or --out.
    Export(exchange::ExportArgs),
    /// Bring a data set (from `export`, another desk, or a CSV file with --csv --map) into
    /// this desk: checked whole first, idempotent by external id.
    Import(exchange::ImportArgs),
    /// Mail received by the desk (docs/MAIL.md): `mail receive` reads one message on stdin.
    #[command(subcommand)]
    Mail(mail::MailCommand),
}

/// A failed command. Bad input exits with 2, a failure of the machine with 1. Both are told
/// from the catalogue (`cli_*`), in the language of the environment (`language_of_the_shell`).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    BadInput(Message),
    #[error("{0}")]
    Failed(Message),
    /// Not now, maybe later (the database is down): exit 75, EX_TEMPFAIL, which an MTA
    /// answers by delivering again.
    #[error("{0}")]
    TryLater(Message),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::Failed(_) => 1,
            CliError::TryLater(_) => 75,
        }
    }

    /// Bad input: `key` with one argument, `detail`, as the lower layer told it.
    pub fn bad(key: &'static str, detail: impl ToString) -> CliError {
        CliError::BadInput(Message::new(key).given("detail", detail))
    }

    /// The line for stderr, in `language`.
    pub fn text(&self, language: Language) -> String {
        match self {
            CliError::BadInput(message)
            | CliError::Failed(message)
            | CliError::TryLater(message) => message.text(language),
        }
    }
}

impl From<PolicyError> for CliError {
    fn from(error: PolicyError) -> CliError {
        CliError::bad("cli_policy", error)
    }
}

impl From<sladesk::desk::DeskError> for CliError {
    /// A refusal is bad input (2); anything else is a failure of the machine (1).
    fn from(error: sladesk::desk::DeskError) -> CliError {
        match error.message() {
            Some(message) => CliError::BadInput(message),
            None => CliError::Failed(Message::new("cli_failed").given("detail", error)),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> CliError {
        CliError::Failed(Message::new("cli_io").given("detail", error))
    }
}

/// The language of the shell: Dutch when `LC_ALL`, `LC_MESSAGES` or `LANG`
/// (the first one set) starts with `nl`, else English.
pub fn language_of_the_shell() -> Language {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .map_or(Language::En, |v| {
            if v.to_ascii_lowercase().starts_with("nl") {
                Language::Nl
            } else {
                Language::En
            }
        })
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
        Command::Report(args) => report::run(args),
        Command::Token(command) => service::token(command),
        Command::User(command) => service::user(command),
        Command::Backup(command) => continuity::backup(command),
        Command::Restore(args) => continuity::restore(args),
        Command::Drill(args) => continuity::drill(args),
        Command::Export(args) => exchange::export(args),
        Command::Import(args) => exchange::import(args),
        Command::Mail(command) => mail::run(command),
    }
}

/// The built-in policy, with the file `path` laid over it when given.
pub fn load_policy(path: Option<&PathBuf>) -> Result<Policy, CliError> {
    let Some(path) = path else {
        return Ok(Policy::default_policy());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::BadInput(
            Message::new("cli_policy_file_unreadable")
                .given("path", path.display())
                .given("detail", e),
        )
    })?;
    Policy::with_overlays(&[&text]).map_err(|e| {
        CliError::BadInput(
            Message::new("cli_policy_file_invalid")
                .given("path", path.display())
                .given("detail", e),
        )
    })
}
