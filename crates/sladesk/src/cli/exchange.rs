//! `sladesk export` and `sladesk import` (docs/EXCHANGE.md): the desk as a data set and back,
//! history from another desk, a CSV file of tickets, a move from SQLite to PostgreSQL.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use sladesk::catalogue::Message;
use sladesk::desk::{ExportScope, ImportOptions, ImportSummary, Phase, SetAside};
use sladesk::exchange::{ExchangeError, LineProblem, csv};
use sladesk::serve::open_desk;
use sladesk_core::text::Language;

use super::CliError;
use super::service::{ServiceArgs, runtime, serve_error};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// Only this customer's data (its organisation id here).
    #[arg(long)]
    organization: Option<i64>,
    /// Only tickets changed, audit entries and availability records from this date (or
    /// RFC 3339 instant) on; a date is midnight in UTC.
    #[arg(long)]
    since: Option<String>,
    /// With password hashes and TOTP secrets (to move the whole desk; keep the file safe).
    #[arg(long)]
    with_secrets: bool,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// The data set (JSON Lines); `-` or none: stdin. With --csv: the CSV file.
    file: Option<PathBuf>,
    /// The file is a CSV file of tickets, one a row, its columns named by --map.
    #[arg(long, requires = "map")]
    csv: bool,
    /// The mapping of a CSV file's columns (TOML).
    #[arg(long)]
    map: Option<PathBuf>,
    /// Keep the source's ticket numbers as this desk's.
    #[arg(long)]
    keep_numbers: bool,
    /// Import the good lines and write the bad ones to a file (--refused) instead of
    /// importing nothing.
    #[arg(long)]
    skip_invalid: bool,
    /// Where --skip-invalid writes the refused lines [default: the file's name + .refused].
    #[arg(long)]
    refused: Option<PathBuf>,
    /// Build the tickets' indexes (and on SQLite the search index) once at the end instead of
    /// row by row. auto: for 10,000 tickets or more that at least double the desk. Meanwhile
    /// a running server's queues are slower, and on SQLite its search does not find the new
    /// tickets.
    #[arg(long, value_enum, default_value = "auto")]
    defer_indexes: DeferIndexes,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DeferIndexes {
    Auto,
    Always,
    Never,
}

pub fn export(args: ExportArgs) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    let config = args.service.config()?;
    let since = args
        .since
        .as_deref()
        .map(|text| {
            text.parse::<jiff::Timestamp>()
                .or_else(|_| {
                    text.parse::<jiff::civil::Date>().and_then(|d| {
                        jiff::tz::TimeZone::UTC
                            .to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                            .compatible()
                    })
                })
                .map_err(|e| CliError::bad("cli_exchange_since", e))
        })
        .transpose()?;
    let scope = ExportScope {
        organization: args.organization,
        since,
        with_secrets: args.with_secrets,
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path)?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        )),
    };
    let bar = spinner(&Message::new("cli_exchange_exporting").text(language));
    let summary = runtime()?.block_on(async {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        desk.export(&scope, &mut *out, &|tickets| bar.set_position(tickets))
            .await
            .map_err(|e| exchange_error(e, language))
    })?;
    bar.finish_and_clear();
    let said = Message::new("cli_exchange_exported")
        .number("organizations", summary.organizations as i64)
        .number("people", summary.people as i64)
        .number("tickets", summary.tickets as i64)
        .number("events", summary.events as i64)
        .number("audit", summary.audit as i64)
        .number("availability", summary.availability as i64);
    eprintln!("sladesk: {}", said.text(language));
    Ok(())
}

pub fn import(args: ImportArgs) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    let config = args.service.config()?;
    let from_stdin = args.file.as_deref().is_none_or(|f| f == Path::new("-"));
    // The data set is read twice (checked whole, then written): stdin is kept in a file first.
    let spool = spool()?;
    let (path, origins) = if args.csv {
        let Some(file) = args.file.clone().filter(|_| !from_stdin) else {
            return Err(CliError::BadInput(Message::new("cli_exchange_csv_file")));
        };
        let map = args.map.as_ref().expect("clap requires --map with --csv");
        let text =
            std::fs::read_to_string(map).map_err(|e| CliError::bad("cli_exchange_map", e))?;
        let mapping = csv::mapping(&text).map_err(|e| CliError::bad("cli_exchange_map", e))?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&spool.0)?);
        let (origins, problems) = csv::convert(
            &file,
            &mapping,
            sladesk::clock::Clock::system().now(),
            &mut out,
        )
        .map_err(|e| CliError::bad("cli_exchange_map", e))?;
        out.flush()?;
        for problem in &problems {
            let problem = LineProblem {
                line: problem.line,
                problem: problem.problem.clone(),
            };
            eprintln!("sladesk: {}", problem.text(language));
        }
        if !problems.is_empty() && !args.skip_invalid {
            return Err(exchange_error(
                ExchangeError::Invalid {
                    count: problems.len() as u64,
                },
                language,
            ));
        }
        (spool.0.clone(), Some(origins))
    } else if from_stdin {
        let mut out = std::fs::File::create(&spool.0)?;
        std::io::copy(&mut std::io::stdin().lock(), &mut out)?;
        (spool.0.clone(), None)
    } else {
        (args.file.clone().unwrap_or_default(), None)
    };
    let refused = args.skip_invalid.then(|| {
        args.refused.clone().unwrap_or_else(|| match &args.file {
            Some(file) if !from_stdin => {
                let mut name = file.clone().into_os_string();
                name.push(".refused");
                PathBuf::from(name)
            }
            _ => PathBuf::from("sladesk-import.refused"),
        })
    });
    let options = ImportOptions {
        keep_numbers: args.keep_numbers,
        skip_invalid: refused.clone(),
        set_aside: match args.defer_indexes {
            DeferIndexes::Auto => SetAside::Auto,
            DeferIndexes::Always => SetAside::Always,
            DeferIndexes::Never => SetAside::Never,
        },
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let bar = bar(size);
    let checking = Message::new("cli_exchange_checking").text(language);
    let writing = Message::new("cli_exchange_writing").text(language);
    let indexing = Message::new("cli_exchange_indexing").text(language);
    let result = runtime()?.block_on(async {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        let mut report = |problem: &LineProblem| {
            // A problem in a data set made from a CSV file is told at the CSV's line.
            let line = origins
                .as_ref()
                .and_then(|o| o.get(problem.line as usize - 1).copied())
                .unwrap_or(problem.line);
            let told = LineProblem {
                line,
                problem: problem.problem.clone(),
            };
            bar.suspend(|| eprintln!("sladesk: {}", told.text(language)));
        };
        let progress = |phase: Phase, read: u64| {
            let message = match phase {
                Phase::Checking => &checking,
                Phase::Writing => &writing,
                Phase::Indexing => &indexing,
            };
            bar.set_message(message.clone());
            bar.set_position(read.min(size));
        };
        desk.import(&path, &options, &mut report, &progress)
            .await
            .map_err(|e| exchange_error(e, language))
    });
    bar.finish_and_clear();
    drop(spool);
    let summary = result?;
    say_summary(&summary, refused.as_deref(), language);
    Ok(())
}

fn say_summary(summary: &ImportSummary, refused: Option<&Path>, language: Language) {
    let counts = |tally: &std::collections::BTreeMap<&str, u64>| {
        tally
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let said = Message::new("cli_exchange_imported")
        .given("written", counts(&summary.written))
        .number("events", summary.events as i64)
        .given("already", counts(&summary.already));
    eprintln!("sladesk: {}", said.text(language));
    if let Some(path) = refused.filter(|_| !summary.refused.is_empty()) {
        let said = Message::new("cli_exchange_refused")
            .number("count", summary.refused.len() as i64)
            .given("path", path.display());
        eprintln!("sladesk: {}", said.text(language));
    }
}

fn exchange_error(error: ExchangeError, language: Language) -> CliError {
    let message = Message::new("cli_exchange_failed").given("detail", error.text(language));
    if error.is_bad_input() {
        CliError::BadInput(message)
    } else {
        CliError::Failed(message)
    }
}

/// A progress bar over the bytes of the file, drawn only on a terminal.
fn bar(size: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A counter of tickets, drawn only on a terminal.
fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::no_length();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {pos} {per_sec}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar
}

/// A file for stdin or a converted CSV, removed when dropped.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn spool() -> Result<Spool, CliError> {
    let folder = std::env::temp_dir();
    let name = format!(
        "sladesk-import-{}-{}.jsonl",
        std::process::id(),
        sladesk::secrets::hex::<4>().map_err(|e| CliError::bad("cli_failed", e))?
    );
    Ok(Spool(folder.join(name)))
}
