//! `sladesk backup`, `sladesk restore` and `sladesk drill` (D1, D2): the desk's backups on the
//! command line, the way back from one, and the drills that prove the way works.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use sladesk::backup::snapshot::{Scratch, Target, Tools};
use sladesk::backup::{BackupError, keys, restore};
use sladesk::catalogue::Message;
use sladesk::config::Config;
use sladesk::desk::{Desk, DrillRecord, issue_token};
use sladesk::domain::accounts::Role;
use sladesk::domain::continuity::Performed;
use sladesk::serve::{open_desk, start};
use sladesk_core::continuity::Scenario;
use sladesk_core::text::Language;

use super::CliError;
use super::service::{ServiceArgs, runtime, serve_error};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take this interval's backup now, if nobody has (the server does this by itself).
    Run {
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// The backups recorded, newest first.
    List {
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Make an age key pair: the private key into FILE, the public key on stdout.
    Key {
        /// Where the private key goes (it must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (`sladesk-….zst.age`, with its `.manifest.json` beside it).
    backup: PathBuf,
    /// A data folder (SQLite) or `postgres://…`; it must be empty unless --force.
    #[arg(long)]
    to: String,
    /// The file with the private key (`AGE-SECRET-KEY-1…`).
    #[arg(long)]
    identity: PathBuf,
    /// Replace what the target holds.
    #[arg(long)]
    force: bool,
    /// PostgreSQL's pg_restore [default: from the configuration, else on PATH].
    #[arg(long)]
    pg_restore: Option<String>,
    /// A TOML configuration file, for backup.pg_restore.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DrillResult {
    Passed,
    Failed,
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// The scenario of the RTO table: data-loss, instance-loss, system-loss, location-loss,
    /// operation-loss.
    #[arg(long)]
    scenario: String,
    /// The private key the backup opens with (a drill by sladesk).
    #[arg(long)]
    identity: Option<PathBuf>,
    /// The backup to drill with [default: the newest verified one].
    #[arg(long)]
    backup: Option<PathBuf>,
    /// Who ran the drill [default: $USER].
    #[arg(long)]
    by: Option<String>,
    /// A drill done by hand: how long it took (e.g. 5h30m); recorded, not performed.
    #[arg(long)]
    took: Option<String>,
    /// A drill done by hand: its result.
    #[arg(long, value_enum, requires = "took")]
    result: Option<DrillResult>,
    /// A drill done by hand: what was done.
    #[arg(long, default_value = "")]
    notes: String,
}

fn backup_error(error: BackupError) -> CliError {
    if error.is_bad_input() {
        CliError::BadInput(error.message())
    } else {
        CliError::Failed(error.message())
    }
}

pub fn backup(command: BackupCommand) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    match command {
        BackupCommand::Key { out } => {
            if out.exists() {
                return Err(CliError::BadInput(
                    Message::new("cli_backup_key_exists").given("path", out.display()),
                ));
            }
            let recipient = keys::generate_into(&out, sladesk::clock::Clock::system().now())
                .map_err(backup_error)?;
            let said = Message::new("cli_backup_key_made").given("path", out.display());
            eprintln!("sladesk: {}", said.text(language));
            println!("{recipient}");
            Ok(())
        }
        BackupCommand::Run { service } => {
            let config = service.config()?;
            runtime()?.block_on(async move {
                let desk = open_desk(&config).await.map_err(serve_error)?;
                let taken = desk.back_up_if_due().await;
                desk.store.close().await;
                match taken? {
                    None => {
                        eprintln!(
                            "sladesk: {}",
                            Message::new("cli_backup_not_due").text(language)
                        );
                        Ok(())
                    }
                    Some(backup) => {
                        let name = backup.name.clone().unwrap_or_default();
                        let said = Message::new("cli_backup_taken")
                            .given("name", &name)
                            .given("state", backup.state.as_str());
                        eprintln!("sladesk: {}", said.text(language));
                        if backup.state == sladesk::domain::continuity::BackupState::Verified {
                            println!("{}", backup.name.unwrap_or_default());
                            Ok(())
                        } else {
                            Err(CliError::Failed(Message::new("cli_backup_failed").given(
                                "detail",
                                sladesk::catalogue::stored_text(&backup.detail, language),
                            )))
                        }
                    }
                }
            })
        }
        BackupCommand::List { service } => {
            let config = service.config()?;
            runtime()?.block_on(async move {
                let desk = open_desk(&config).await.map_err(serve_error)?;
                let overview = desk.continuity(&sladesk::desk::Actor::system()).await;
                desk.store.close().await;
                for b in overview?.backups {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        b.taken_at
                            .or(Some(b.started_at))
                            .and_then(|t| jiff::Timestamp::from_second(t).ok())
                            .map(|t| t.to_string())
                            .unwrap_or_default(),
                        b.state.as_str(),
                        b.size.unwrap_or(0),
                        b.name.unwrap_or_default(),
                        sladesk::catalogue::stored_text(&b.detail, language)
                    );
                }
                Ok(())
            })
        }
    }
}

fn tools(config: &Config) -> Tools {
    Tools {
        pg_dump: config.backup.pg_dump.clone(),
        pg_restore: config.backup.pg_restore.clone(),
    }
}

fn identities(
    path: &std::path::Path,
) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, CliError> {
    Ok(keys::identities_from_file(path)
        .map_err(backup_error)?
        .into_iter()
        .map(|i| Box::new(i) as Box<dyn age::Identity + Send + Sync>)
        .collect())
}

pub fn restore(args: RestoreArgs) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    let mut config =
        Config::load(args.config.as_deref()).map_err(|e| CliError::bad("cli_config", e))?;
    if let Some(tool) = args.pg_restore {
        config.backup.pg_restore = tool;
    }
    let keys = identities(&args.identity)?;
    let target = Target::from_arg(&args.to);
    runtime()?.block_on(async move {
        let manifest = restore::restore(&args.backup, keys, &target, args.force, &tools(&config))
            .await
            .map_err(backup_error)?;
        restore::compare(&target.url(), &manifest)
            .await
            .map_err(backup_error)?;
        let said = Message::new("cli_restored")
            .given("name", &manifest.name)
            .given("taken", manifest.taken_at)
            .given("target", target.shown())
            .number(
                "tickets",
                manifest.counts.get("tickets").copied().unwrap_or(0),
            );
        eprintln!("sladesk: {}", said.text(language));
        Ok(())
    })
}

pub fn drill(args: DrillArgs) -> Result<(), CliError> {
    let language = super::language_of_the_shell();
    let scenario = Scenario::from_key(&args.scenario).ok_or_else(|| {
        CliError::BadInput(
            Message::new("cli_drill_unknown_scenario").given("given", &args.scenario),
        )
    })?;
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "sladesk".into());
    let config = args.service.config()?;
    if let Some(took) = &args.took {
        let seconds = took
            .parse::<jiff::SignedDuration>()
            .ok()
            .filter(|d| d.as_secs() > 0 && d.subsec_nanos() == 0)
            .map(|d| d.as_secs())
            .ok_or_else(|| {
                CliError::BadInput(Message::new("cli_drill_bad_duration").given("given", took))
            })?;
        let Some(result) = args.result else {
            return Err(CliError::BadInput(Message::new(
                "cli_drill_took_needs_result",
            )));
        };
        return runtime()?.block_on(async move {
            let desk = open_desk(&config).await.map_err(serve_error)?;
            let now = desk.clock.now();
            let record = DrillRecord {
                scenario,
                performed: Performed::ByHand,
                backup_name: args.backup.as_ref().map(|b| b.display().to_string()),
                started_at: now
                    .checked_sub(jiff::SignedDuration::from_secs(seconds))
                    .unwrap_or(now),
                took_seconds: seconds,
                passed: matches!(result, DrillResult::Passed),
                ran_by: by,
                detail: Message::new("drill_notes")
                    .given("notes", &args.notes)
                    .to_stored(),
            };
            let drill = desk.record_drill(&record).await;
            desk.store.close().await;
            say_drill(&drill?, language);
            Ok(())
        });
    }
    if !matches!(scenario, Scenario::DataLoss | Scenario::InstanceLoss) {
        return Err(CliError::BadInput(
            Message::new("cli_drill_by_hand_only")
                .given("scenario", scenario.key().replace('_', "-")),
        ));
    }
    let Some(identity) = &args.identity else {
        return Err(CliError::BadInput(Message::new("cli_drill_needs_identity")));
    };
    let keys = identities(identity)?;
    runtime()?.block_on(async move {
        let desk = open_desk(&config).await.map_err(serve_error)?;
        let outcome = performed_drill(&desk, &config, scenario, args.backup, keys, by).await;
        desk.store.close().await;
        let drill = outcome?;
        say_drill(&drill, language);
        if drill.passed {
            Ok(())
        } else {
            Err(CliError::Failed(Message::new("cli_failed").given(
                "detail",
                sladesk::catalogue::stored_text(&drill.detail, language),
            )))
        }
    })
}

/// D2 by sladesk: the backup restored into a scratch target, a server started on it, asked
/// for its data, and the whole timed and recorded.
async fn performed_drill(
    desk: &Desk,
    config: &Config,
    scenario: Scenario,
    backup: Option<PathBuf>,
    keys: Vec<Box<dyn age::Identity + Send + Sync>>,
    by: String,
) -> Result<sladesk::domain::continuity::Drill, CliError> {
    let path = match backup {
        Some(path) => path,
        None => match desk.newest_verified_backup().await? {
            Some((_, path)) => path,
            None => return Err(CliError::BadInput(Message::new("cli_drill_needs_backup"))),
        },
    };
    let started_at = desk.clock.now();
    let clock = Instant::now();
    let scratch = scratch_for(desk, config).await.map_err(backup_error)?;
    let checked = restore_and_ask(config, &path, keys, &scratch.target()).await;
    scratch.remove().await;
    let took_seconds = clock.elapsed().as_secs_f64().ceil() as i64;
    let (passed, detail) = match checked {
        Ok(answered) => (true, answered.to_stored()),
        Err(e) => (false, e.message().to_stored()),
    };
    let record = DrillRecord {
        scenario,
        performed: Performed::Sladesk,
        backup_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        started_at,
        took_seconds: took_seconds.max(1),
        passed,
        ran_by: by,
        detail,
    };
    Ok(desk.record_drill(&record).await?)
}

/// A scratch target of the desk's kind: a folder in the system's temporary folder, or a
/// database of its own on the desk's PostgreSQL server.
async fn scratch_for(desk: &Desk, config: &Config) -> Result<Scratch, BackupError> {
    match desk.store.dialect {
        sladesk::store::Dialect::Sqlite => {
            let suffix =
                sladesk::secrets::hex::<6>().map_err(|e| BackupError::Keys(e.to_string()))?;
            Ok(Scratch::SqliteFolder(
                std::env::temp_dir().join(format!("sladesk-drill-{suffix}")),
            ))
        }
        sladesk::store::Dialect::Postgres => {
            Scratch::postgres(&config.database_url(), "sladesk_drill").await
        }
    }
}

/// Restores, starts a server on the restored data with no mail and no backups of its own,
/// and asks it over HTTP what a support team would look at first.
async fn restore_and_ask(
    config: &Config,
    path: &std::path::Path,
    keys: Vec<Box<dyn age::Identity + Send + Sync>>,
    target: &Target,
) -> Result<Message, BackupError> {
    let manifest = restore::restore(path, keys, target, false, &tools(config)).await?;
    restore::compare(&target.url(), &manifest).await?;
    let mut scratch = config.clone();
    scratch.database_url = target.url();
    scratch.listen = "127.0.0.1:0".parse().expect("an address");
    scratch.public_url = String::new();
    scratch.smtp.host = String::new();
    scratch.backup.enabled = false;
    scratch.metrics.listen = None;
    let running = start(scratch).await.map_err(|e| BackupError::Tool {
        tool: "sladesk serve".into(),
        message: e.to_string(),
    })?;
    let asked = ask(&running.desk, running.addr, &manifest).await;
    let _ = running.stop().await;
    asked
}

async fn ask(
    restored: &Desk,
    addr: std::net::SocketAddr,
    manifest: &sladesk::backup::Manifest,
) -> Result<Message, BackupError> {
    let base = format!("http://{addr}");
    let wrong = |what: &str, detail: String| BackupError::Unanswered {
        what: what.to_string(),
        detail,
    };
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(|e| wrong("/healthz", e.to_string()))?;
    if !health.status().is_success() {
        return Err(wrong("/healthz", health.status().to_string()));
    }
    let token = issue_token(
        restored,
        "drill@sladesk.invalid",
        Role::Admin,
        None,
        Language::En,
    )
    .await
    .map_err(|e| wrong("a token", e.to_string()))?;
    // Every organisation, page by page, as an integrator's client would list them.
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/organizations?limit=200");
        if let Some(c) = &cursor {
            url += &format!("&cursor={c}");
        }
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| wrong("/api/v1/organizations", e.to_string()))?
            .json()
            .await
            .map_err(|e| wrong("/api/v1/organizations", e.to_string()))?;
        listed += page["items"].as_array().map_or(0, Vec::len) as i64;
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let expected = manifest.counts.get("organizations").copied().unwrap_or(0);
    if listed != expected {
        return Err(BackupError::CountMismatch {
            table: "organizations (/api/v1/organizations)".into(),
            restored: listed,
            manifest: expected,
        });
    }
    let newest = {
        let mut conn = restored.store.read().await?;
        sladesk::store::continuity::newest_ticket(&mut conn).await?
    };
    if let Some(id) = newest {
        let ticket: serde_json::Value = client
            .get(format!("{base}/api/v1/tickets/{id}?explain=true"))
            .bearer_auth(&token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| wrong(&format!("/api/v1/tickets/{id}"), e.to_string()))?
            .json()
            .await
            .map_err(|e| wrong(&format!("/api/v1/tickets/{id}"), e.to_string()))?;
        if ticket.get("id").and_then(serde_json::Value::as_i64) != Some(id) {
            return Err(wrong(
                &format!("/api/v1/tickets/{id}"),
                format!("another ticket: {}", ticket["id"]),
            ));
        }
        return Ok(Message::new("drill_answered_ticket")
            .given("name", &manifest.name)
            .number("organizations", expected)
            .given("ticket", sladesk::domain::ticket_number(id)));
    }
    Ok(Message::new("drill_answered")
        .given("name", &manifest.name)
        .number("organizations", expected))
}

fn say_drill(drill: &sladesk::domain::continuity::Drill, language: Language) {
    let hm = |s: i64| format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60);
    let word = |key: &'static str| Message::new(key).text(language);
    let said = Message::new("cli_drill_done")
        .given("scenario", drill.scenario.key().replace('_', "-"))
        .given(
            "result",
            word(if drill.passed {
                "cli_drill_passed"
            } else {
                "cli_drill_failed"
            }),
        )
        .given("took", hm(drill.took_seconds))
        .given("rto", hm(drill.rto_seconds))
        .given(
            "met",
            word(if drill.met_rto {
                "cli_drill_met"
            } else {
                "cli_drill_missed"
            }),
        );
    eprintln!("sladesk: {}", said.text(language));
}
