//! `sladesk report`: the monthly SLA report (S3) on the command line, as text, JSON or CSV;
//! `sladesk report rebuild` recomputes every ticket's derived outcome from its events.

use clap::{Args, Subcommand};
use sladesk::catalogue::{Label, Message, share, text, text_with};
use sladesk::desk::Actor;
use sladesk::desk::reports::{PeriodReport, ReportPeriod};
use sladesk::serve::open_desk;
use sladesk_core::availability::parse_month;
use sladesk_core::text::Language;

use super::CliError;
use super::service::{ServiceArgs, runtime, serve_error};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: Option<ReportCommand>,
    #[command(flatten)]
    service: ServiceArgs,
    /// The organisation; the whole desk when left out.
    #[arg(long)]
    organization: Option<i64>,
    /// One calendar month like 2026-10 (Dutch time) [default: the previous month].
    #[arg(long, conflicts_with_all = ["from", "to"])]
    month: Option<String>,
    /// The first month of a longer period.
    #[arg(long)]
    from: Option<String>,
    /// The last month of the period, included.
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Print the report as JSON (the API's document).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print the figures as CSV, one per line.
    #[arg(long)]
    csv: bool,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Recompute every ticket's SLA outcome from its events (the figures reports count).
    Rebuild {
        #[command(flatten)]
        service: ServiceArgs,
    },
}

fn month(given: &str) -> Result<(i16, i8), CliError> {
    parse_month(given)
        .map_err(|_| CliError::BadInput(Message::new("api_bad_month").given("given", given)))
}

pub fn run(args: ReportArgs) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    if let Some(ReportCommand::Rebuild { service }) = args.command {
        let config = service.config()?;
        return runtime()?.block_on(async move {
            let desk = open_desk(&config).await.map_err(serve_error)?;
            let written = desk.rebuild_outcomes(false).await;
            desk.store.close().await;
            let said = Message::new("cli_outcomes_rebuilt").number("count", written? as i64);
            eprintln!("sladesk: {}", said.text(language));
            Ok(())
        });
    }
    let first = match args.month.as_deref().or(args.from.as_deref()) {
        Some(given) => Some(month(given)?),
        None => None,
    };
    let last = match args.to.as_deref() {
        Some(given) => Some(month(given)?),
        None => first,
    };
    let config = args.service.config()?;
    runtime()?.block_on(async move {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        let period = match (first, last) {
            (Some(first), Some(last)) => ReportPeriod::between(first, last)?,
            _ => ReportPeriod::month(desk.previous_month()),
        };
        let report = desk
            .sla_report(&Actor::system(), args.organization, period)
            .await;
        desk.store.close().await;
        let report = report?;
        if args.json {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| CliError::Failed(Message::new("cli_failed").given("detail", e)))?;
            println!("{json}");
        } else if args.csv {
            print!("{}", sladesk::web::reports::figures_csv(&report));
        } else {
            print!("{}", plain(&report, language));
        }
        Ok(())
    })
}

/// The report's figures as lines of text for a terminal.
fn plain(report: &PeriodReport, language: Language) -> String {
    let scope = report.organization.as_ref().map_or_else(
        || text(language, "report_organization_all"),
        |o| o.name.clone(),
    );
    let period = if report.from == report.to {
        report.from.clone()
    } else {
        format!("{} – {}", report.from, report.to)
    };
    let mut out = format!(
        "{}\n",
        text_with(
            language,
            "report_caption",
            &[("scope", scope.into()), ("period", period.into())]
        )
    );
    let h = &report.headline;
    out += &format!(
        "{}: {}  {}: {}  {}: {}  {}: {}\n",
        text(language, "report_filed"),
        h.opened,
        text(language, "report_closed"),
        h.resolved,
        text(language, "report_reaction_met"),
        share(h.reaction_met_percent, language),
        text(language, "report_resolution_met"),
        share(h.resolved_within_target_percent, language)
    );
    for row in report.priorities.iter().chain(&report.outages) {
        let f = &row.figures;
        out += &format!(
            "{} ({}): {} {}, {} {}; {} {}; {} {}",
            f.priority.label(language),
            row.policy_version,
            text(language, "report_filed"),
            f.opened,
            text(language, "report_closed"),
            f.resolved,
            text(language, "report_reaction"),
            share(f.reaction_met_percent, language),
            text(language, "report_resolution"),
            share(f.resolved_within_target_percent, language)
        );
        for i in &f.indicative {
            let mark = match i.kept {
                Some(true) => " ✓",
                Some(false) => " ✗",
                None => "",
            };
            out += &format!(
                "; ≤{} h {}/{} %{mark}",
                i.within_seconds / 3600,
                share(i.achieved_percent, language),
                i.promised_percent
            );
        }
        out.push('\n');
    }
    out += &format!(
        "{}: {}\n",
        text(language, "report_breaches"),
        report.breaches_total
    );
    out
}
