//! `sladesk availability compute`: the monthly availability arithmetic on stdin, like
//! `sla timeline` is for the SLA clocks.

use std::io::Read;
use std::path::PathBuf;

use clap::Subcommand;
use sladesk_core::availability::{MonthInputJson, compute_month};

use super::{CliError, load_policy};

#[derive(Debug, Subcommand)]
pub enum AvailabilityCommand {
    /// Read `{"month","target_percent","down","maintenance","exclusions"}` on stdin and write
    /// the month's availability, downtime budget and every interval with why it counted.
    Compute {
        /// A TOML policy file laid over the built-in policy (minimum outage, time zone, target).
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

pub fn run(command: AvailabilityCommand) -> Result<(), CliError> {
    let AvailabilityCommand::Compute { policy } = command;
    let policy = load_policy(policy.as_ref())?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| CliError::bad("cli_stdin_unreadable", e))?;
    let json: MonthInputJson = super::sla::parse_json(&input)?;
    let month = json
        .parse(policy.availability_target_percent)
        .map_err(|e| CliError::bad("cli_month_input", e))?;
    let report = compute_month(&policy.availability, &month)
        .map_err(|e| CliError::bad("cli_month_input", e))?;
    let mut out = std::io::stdout().lock();
    super::sla::write_json(&mut out, &report)
}
