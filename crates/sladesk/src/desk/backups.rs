//! D1, D2: the desk takes its own backups, exactly one per interval whatever the replicas,
//! verifies each by restoring it into a scratch database, keeps them by the policy's retention,
//! watches the recovery point, and records drills. The files and keys are `backup`'s; the
//! rules are the core's (`sladesk_core::continuity`).
//!
//! A backup, step by step:
//! 1. The interval's row is claimed with a lease (`store::continuity::claim_interval`).
//! 2. A consistent snapshot is taken while the server serves (`backup::snapshot`), sealed
//!    (zstd, age) under a `.partial` name, renamed into place, and its manifest written beside.
//! 3. Verification reads that very file back: checksum, decryption with a one-time key made for
//!    this archive only (`backup::keys`), restore into a scratch database, the integrity check,
//!    the schema and every count against the manifest, and the newest ticket's SLA recomputed
//!    from its events by the engine and compared with what the snapshot stored.
//! 4. Only then is the backup `verified`, the only state that counts toward the recovery point;
//!    retention deletes what the policy no longer keeps.
//!
//! Any failure (a full disk, a missing tool, a damaged archive) is recorded with its reason,
//! the archive of a failed backup is deleted, and the interval is tried again after a back-off.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use serde_json::json;
use sladesk_core::continuity::{ContinuityRules, Scenario, retained};

use super::{Actor, Desk, DeskError};
use crate::backup::folder::Folder;
use crate::backup::manifest::{self, Manifest};
use crate::backup::offsite::Offsite;
use crate::backup::snapshot::{self, Scratch, Target, Tools};
use crate::backup::{BackupError, archive, keys, restore};
use crate::catalogue::Message;
use crate::config::Config;
use crate::domain::continuity::{Backup, Drill, OffsiteState, Performed};
use crate::store::continuity as store;
use crate::store::continuity::{NewDrill, Written};
use crate::store::{Dialect, Store, accounts, audit, tickets};

/// How long a replica holds an interval's backup before another may take it over, unless it
/// renews the lease (every minute while it works): a replica killed halfway holds up the
/// interval for ten minutes at most, and a backup of any length is never taken twice.
const LEASE_SECONDS: i64 = 600;
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// A failed backup is tried again after 5 minutes, doubling up to an hour.
const RETRY_FIRST_SECONDS: i64 = 300;
const RETRY_MAX_SECONDS: i64 = 3600;

/// Where this desk's backups go, and with which keys and tools.
#[derive(Debug, Clone)]
pub struct BackupSetup {
    pub enabled: bool,
    pub folder: Folder,
    /// The configured recipients (`age1…`); empty: the key made in `generated_key` (SQLite).
    pub recipients: Vec<String>,
    /// Where a key pair is made when no recipient is configured (SQLite only).
    pub generated_key: PathBuf,
    pub tools: Tools,
    pub database_url: String,
    /// PostgreSQL: the server verification restores on; empty: the desk's own.
    pub scratch_database_url: String,
    pub host: String,
    /// The off-site copies' object storage, when configured.
    pub offsite: Option<Offsite>,
}

impl BackupSetup {
    /// The setup of `config`; a refusal names what is wrong with `backup.offsite`.
    pub fn new(config: &Config) -> Result<BackupSetup, String> {
        Ok(BackupSetup {
            enabled: config.backup.enabled,
            folder: Folder::new(config.backup_folder()),
            recipients: config.backup.recipients.clone(),
            generated_key: config.data_dir.join("backup-key.txt"),
            tools: Tools {
                pg_dump: config.backup.pg_dump.clone(),
                pg_restore: config.backup.pg_restore.clone(),
            },
            database_url: config.database_url(),
            scratch_database_url: config.backup.scratch_database_url.clone(),
            host: hostname::get()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_default(),
            offsite: Offsite::from_config(&config.backup.offsite)?,
        })
    }

    /// No backups (a desk built without a configuration, as some tools do).
    pub fn off() -> BackupSetup {
        let mut config = Config::default();
        config.backup.enabled = false;
        BackupSetup::new(&config).expect("the default configuration has no object storage")
    }

    /// Whether the private key made for a zero-configuration desk still lies on this server.
    pub fn key_on_server(&self) -> bool {
        self.recipients.is_empty() && self.generated_key.exists()
    }
}

/// Backups and drills as staff see them (the staff page and the API).
#[derive(Debug, Clone)]
pub struct ContinuityOverview {
    pub enabled: bool,
    pub rpo_seconds: i64,
    pub newest_verified: Option<Backup>,
    /// Seconds since the newest verified backup was taken; none without one.
    pub age_seconds: Option<i64>,
    pub rpo_passed: bool,
    pub key_on_server: bool,
    pub folder: String,
    /// The object storage off-site copies go to (`s3://…`), when configured.
    pub offsite: Option<String>,
    pub backups: Vec<Backup>,
    pub drills: Vec<Drill>,
    /// Every scenario of the RTO table with its objective and its last drill.
    pub scenarios: Vec<(Scenario, i64, Option<Drill>)>,
}

/// A drill to record (`sladesk drill`).
#[derive(Debug, Clone)]
pub struct DrillRecord {
    pub scenario: Scenario,
    pub performed: Performed,
    pub backup_name: Option<String>,
    pub started_at: Timestamp,
    pub took_seconds: i64,
    pub passed: bool,
    pub ran_by: String,
    pub detail: String,
}

impl Desk {
    pub fn with_backups(mut self, setup: BackupSetup) -> Desk {
        self.backups = Arc::new(setup);
        self
    }

    pub fn backup_setup(&self) -> &BackupSetup {
        &self.backups
    }

    fn continuity_rules(&self) -> ContinuityRules {
        self.policies.base().continuity.clone()
    }

    /// Takes the backup of the current interval if nobody has: the backup, verified or failed,
    /// or `None` when there was nothing to do. The job asks only when this server takes
    /// backups (`backup.enabled`); `sladesk backup run` asks whatever the setting.
    pub async fn back_up_if_due(&self) -> Result<Option<Backup>, DeskError> {
        let now = self.clock.now();
        let rules = self.continuity_rules();
        let interval = rules.interval_of(now);
        {
            let mut conn = self.store.read().await?;
            if store::interval_taken(&mut conn, interval, now.as_second()).await? {
                return Ok(None);
            }
        }
        let id = {
            let mut tx = self.store.write().await?;
            let id = store::claim_interval(
                &mut tx,
                interval,
                now.as_second() + LEASE_SECONDS,
                now.as_second(),
            )
            .await?;
            tx.commit().await?;
            match id {
                Some(id) => id,
                None => return Ok(None),
            }
        };
        let renewing = {
            let desk = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    let until = desk.clock.now().as_second() + LEASE_SECONDS;
                    let renewed = async {
                        let mut tx = desk.store.write().await?;
                        store::renew_lease(&mut tx, id, until).await?;
                        tx.commit().await?;
                        Ok::<_, DeskError>(())
                    };
                    if let Err(e) = renewed.await {
                        tracing::warn!(backup = id, error = %e, "the backup's lease was not renewed");
                    }
                }
            })
        };
        let outcome = self.take_backup(id, now).await;
        renewing.abort();
        let finished = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        match &outcome {
            Ok((name, detail, verify_ms)) => {
                let detail = detail.to_stored();
                store::record_verified(&mut tx, id, finished, *verify_ms, &detail).await?;
                if self.backups.offsite.is_some() {
                    store::record_offsite(&mut tx, id, OffsiteState::Pending, "", None).await?;
                }
                audit::record(
                    &mut tx,
                    finished,
                    None,
                    None,
                    "backup.verified",
                    &format!("backup:{id}"),
                    &json!({ "name": name }),
                )
                .await?;
            }
            Err(error) => {
                let attempts = store::backup_by_id(&mut tx, id)
                    .await?
                    .map_or(1, |b| b.attempts);
                let retry =
                    (RETRY_FIRST_SECONDS << (attempts - 1).clamp(0, 10)).min(RETRY_MAX_SECONDS);
                tracing::warn!(backup = id, error = %error, retry_in_seconds = retry, "backup failed; tried again");
                let reason = error.message().to_stored();
                store::record_failed(&mut tx, id, finished, finished + retry, &reason).await?;
            }
        }
        tx.commit().await?;
        if outcome.is_ok() {
            self.copy_offsite_due().await?;
            self.apply_retention(&rules).await?;
        }
        let mut conn = self.store.read().await?;
        Ok(store::backup_by_id(&mut conn, id).await?)
    }

    /// Steps 2 and 3 of the module's comment. Returns the name, what verification checked and
    /// how long it took.
    async fn take_backup(
        &self,
        id: i64,
        now: Timestamp,
    ) -> Result<(String, Message, i64), BackupError> {
        let setup = &self.backups;
        let started = Instant::now();
        setup.folder.create()?;
        setup.folder.clean_abandoned()?;
        let recipients = self.recipients(now)?;
        let one_time = keys::one_time();
        let one_time_recipient = one_time.to_public();
        let database = snapshot::kind_of(self.store.dialect);
        let name = Folder::name_for(now, database);
        let partial = setup.folder.partial(&name);
        let seal_into = {
            let partial = partial.clone();
            let recipients = recipients.clone();
            move |plain: &mut dyn std::io::Read| {
                let out = std::fs::File::create(&partial)
                    .map_err(BackupError::io(format!("creating {}", partial.display())))?;
                let mut keys: Vec<&dyn age::Recipient> = recipients
                    .iter()
                    .map(|r| r as &dyn age::Recipient)
                    .collect();
                keys.push(&one_time_recipient);
                archive::seal(
                    plain,
                    &keys,
                    std::io::BufWriter::with_capacity(1 << 20, out),
                )
            }
        };
        let sealed = match self.store.dialect {
            Dialect::Sqlite => {
                let plain = setup.folder.path(&format!("{name}.snapshot.partial"));
                let _ = std::fs::remove_file(&plain);
                let result = async {
                    snapshot::sqlite_copy(&self.store, &plain).await?;
                    let described =
                        snapshot::describe(&format!("sqlite://{}?mode=ro", plain.display()))
                            .await?;
                    let file = std::fs::File::open(&plain)
                        .map_err(BackupError::io(plain.display().to_string()))?;
                    let sealed = tokio::task::spawn_blocking(move || {
                        seal_into(&mut std::io::BufReader::with_capacity(1 << 20, file))
                    })
                    .await
                    .map_err(|e| BackupError::io("sealing")(std::io::Error::other(e)))??;
                    Ok::<_, BackupError>((described, sealed))
                }
                .await;
                let _ = std::fs::remove_file(&plain);
                result
            }
            Dialect::Postgres => {
                snapshot::postgres_dump(&self.store, &setup.database_url, &setup.tools, seal_into)
                    .await
            }
        };
        let (described, sealed) = match sealed {
            Ok(done) => done,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        let path = setup.folder.commit(&partial, &name)?;
        let manifest = Manifest {
            format: manifest::FORMAT.into(),
            version: manifest::VERSION,
            name: name.clone(),
            database,
            schema: described.schema,
            sladesk: env!("CARGO_PKG_VERSION").into(),
            taken_at: now,
            counts: described.counts,
            size: sealed.size,
            sha256: sealed.sha256.clone(),
            recipients: recipients.iter().map(ToString::to_string).collect(),
        };
        let written = setup.folder.write_manifest(&manifest);
        let backup_ms = started.elapsed().as_millis() as i64;
        if let Err(e) = written {
            let _ = setup.folder.delete(&name);
            return Err(e);
        }
        // From here on, a failure deletes the archive and its manifest: only a verified backup
        // stays in the folder.
        let recorded = async {
            let mut tx = self.store.write().await?;
            store::record_written(
                &mut tx,
                id,
                &Written {
                    taken_at: now.as_second(),
                    name: &name,
                    folder: &setup.folder.root().display().to_string(),
                    host: &setup.host,
                    size: sealed.size as i64,
                    sha256: &sealed.sha256,
                    manifest: &manifest.to_json(),
                    backup_ms,
                },
            )
            .await?;
            tx.commit().await.map_err(|e| BackupError::Store(e.into()))
        }
        .await;
        if let Err(e) = recorded {
            let _ = setup.folder.delete(&name);
            return Err(e);
        }
        let checking = Instant::now();
        match self.verify(&path, &name, one_time).await {
            Ok(detail) => Ok((name, detail, checking.elapsed().as_millis() as i64)),
            Err(e) => {
                let _ = setup.folder.delete(&name);
                Err(e)
            }
        }
    }

    /// The recipients backups are encrypted to: the configured ones, or (SQLite, none
    /// configured) the key made in the data folder, made now if it is not there yet.
    fn recipients(&self, now: Timestamp) -> Result<Vec<age::x25519::Recipient>, BackupError> {
        let setup = &self.backups;
        if !setup.recipients.is_empty() {
            return keys::recipients(&setup.recipients);
        }
        if self.store.dialect == Dialect::Postgres {
            return Err(BackupError::Keys(
                "set backup.recipients (age public keys, age1…) for the backups of a PostgreSQL desk: its replicas share no folder a key could be made in".into(),
            ));
        }
        let recipient = if setup.generated_key.exists() {
            keys::recipient_of_file(&setup.generated_key)?
        } else {
            let made = keys::generate_into(&setup.generated_key, now)?;
            tracing::warn!(
                key = %setup.generated_key.display(),
                "a backup key was made; move this file off the server and set backup.recipients to {made}"
            );
            made
        };
        keys::recipients(&[recipient])
    }

    /// Step 3: the archive at `path` restored with `one_time` into a scratch database and
    /// checked. Returns what was checked, in words for the record.
    async fn verify(
        &self,
        path: &Path,
        name: &str,
        one_time: age::x25519::Identity,
    ) -> Result<Message, BackupError> {
        let setup = &self.backups;
        let scratch = match self.store.dialect {
            Dialect::Sqlite => {
                Scratch::SqliteFile(setup.folder.path(&format!("{name}.verify.partial.db")))
            }
            Dialect::Postgres => {
                let server = if setup.scratch_database_url.is_empty() {
                    &setup.database_url
                } else {
                    &setup.scratch_database_url
                };
                Scratch::postgres(server, "sladesk_verify").await?
            }
        };
        let checked = self
            .restore_and_check(path, one_time, &scratch.target())
            .await;
        scratch.remove().await;
        checked
    }

    async fn restore_and_check(
        &self,
        path: &Path,
        one_time: age::x25519::Identity,
        target: &Target,
    ) -> Result<Message, BackupError> {
        let manifest = restore::restore(
            path,
            vec![Box::new(one_time)],
            target,
            true,
            &self.backups.tools,
        )
        .await?;
        let url = target.url();
        if let Target::Sqlite(_) = target {
            let mut conn = snapshot::connect(&url).await?;
            let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| BackupError::Store(e.into()))?;
            let _ = sqlx::Connection::close(conn).await;
            if verdict != "ok" {
                return Err(BackupError::Integrity(verdict));
            }
        }
        restore::compare(&url, &manifest).await?;
        let scratch = Store::open(&url).await?;
        let sla = self.sla_agrees(&scratch, manifest.taken_at).await;
        scratch.close().await;
        let tickets = manifest.counts.get("tickets").copied().unwrap_or(0);
        let checked = match sla? {
            Some(number) => Message::new("backup_verified_sla").given("ticket", number),
            None => Message::new("backup_verified"),
        };
        Ok(checked
            .number("tables", manifest.counts.len() as i64)
            .number("tickets", tickets))
    }

    /// Recomputes the newest ticket's SLA in `scratch` from its events and compares it with
    /// the columns the snapshot stored; its number when they agree, none without tickets.
    async fn sla_agrees(
        &self,
        scratch: &Store,
        at: Timestamp,
    ) -> Result<Option<String>, BackupError> {
        let mut conn = scratch.read().await?;
        let Some(id) = store::newest_ticket(&mut conn).await? else {
            return Ok(None);
        };
        let Some(stored) = tickets::ticket_by_id(&mut conn, id).await? else {
            return Ok(None);
        };
        let contract = accounts::organization_by_id(&mut conn, stored.organization_id)
            .await?
            .and_then(|o| o.policy);
        let ticket = crate::domain::ticket_number(id);
        let disagree = |e: DeskError| BackupError::SlaUnreadable {
            ticket: ticket.clone(),
            detail: e.to_string(),
        };
        let policy = self
            .policy_of_ticket(&mut conn, &stored, contract.as_deref())
            .await
            .map_err(disagree)?;
        let events = tickets::events_of(&mut conn, id, false).await?;
        let sent = tickets::sent_alerts(&mut conn, id).await?;
        let mut recomputed = stored.clone();
        let last = events.last().map_or(stored.created_at, |e| e.at);
        let at = Timestamp::from_second(at.as_second().max(last)).unwrap_or(at);
        super::sla::derive(&policy, &mut recomputed, &events, &sent, at).map_err(disagree)?;
        if (
            recomputed.breached_at,
            recomputed.due_at,
            &recomputed.outcome,
        ) != (stored.breached_at, stored.due_at, &stored.outcome)
        {
            return Err(BackupError::SlaDisagrees { ticket });
        }
        Ok(Some(ticket))
    }

    /// Copies the verified backups kept here whose off-site copy is due (new, or failed and
    /// due again) to object storage; returns how many were stored. A failure is recorded with
    /// its reason and tried again later; the local backup counts all the same.
    pub async fn copy_offsite_due(&self) -> Result<usize, DeskError> {
        let Some(offsite) = &self.backups.offsite else {
            return Ok(0);
        };
        let now = self.clock.now().as_second();
        let folder = self.backups.folder.root().display().to_string();
        let due = {
            let mut conn = self.store.read().await?;
            store::offsite_due(&mut conn, &self.backups.host, &folder, now).await?
        };
        let mut stored = 0;
        for backup in due {
            let Some(name) = &backup.name else { continue };
            let copied = offsite.upload(&self.backups.folder, name).await;
            let mut tx = self.store.write().await?;
            match copied {
                Ok(()) => {
                    store::record_offsite(&mut tx, backup.id, OffsiteState::Stored, "", None)
                        .await?;
                    stored += 1;
                }
                Err(e) => {
                    tracing::warn!(backup = backup.id, error = %e, "the off-site copy failed; tried again");
                    let retry = self.clock.now().as_second() + RETRY_FIRST_SECONDS;
                    store::record_offsite(
                        &mut tx,
                        backup.id,
                        OffsiteState::Failed,
                        &e.message().to_stored(),
                        Some(retry),
                    )
                    .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(stored)
    }

    /// Deletes the verified backups the policy no longer keeps (files here, then the record).
    async fn apply_retention(&self, rules: &ContinuityRules) -> Result<usize, DeskError> {
        let verified = {
            let mut conn = self.store.read().await?;
            store::verified(&mut conn).await?
        };
        let instants: Vec<(i64, Timestamp)> = verified
            .iter()
            .filter_map(|b| Some((b.id, Timestamp::from_second(b.taken_at?).ok()?)))
            .collect();
        let zone = self.policies.base().availability.time_zone.clone();
        let kept = retained(&instants, rules.retention, &zone);
        let mut deleted = 0;
        for backup in verified.iter().filter(|b| !kept.contains(&b.id)) {
            // A backup kept on another replica's folder is that replica's to delete; the
            // record says where it lies.
            let here = backup.folder.as_deref()
                == Some(&*self.backups.folder.root().display().to_string())
                && backup.host.as_deref() == Some(&*self.backups.host);
            if let (true, Some(name)) = (here, &backup.name) {
                // The off-site copy first: a local file is never gone while its copy lingers
                // unknown to the record.
                if let Some(offsite) = &self.backups.offsite
                    && backup.offsite != OffsiteState::None
                    && let Err(e) = offsite.delete(name).await
                {
                    tracing::warn!(backup = backup.id, error = %e, "an old off-site copy could not be deleted");
                    continue;
                }
                if let Err(e) = self.backups.folder.delete(name) {
                    tracing::warn!(backup = backup.id, error = %e, "an old backup could not be deleted");
                    continue;
                }
            }
            let mut tx = self.store.write().await?;
            store::record_deleted(&mut tx, backup.id).await?;
            tx.commit().await?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Seconds since the newest verified backup was taken, at the desk's now.
    pub async fn recovery_point_age(&self) -> Result<Option<i64>, DeskError> {
        let mut conn = self.store.read().await?;
        let newest = store::newest_verified(&mut conn).await?;
        Ok(newest
            .and_then(|b| b.taken_at)
            .map(|at| self.clock.now().as_second() - at))
    }

    /// D1's watch: when the newest verified backup is older than the recovery point (or there
    /// is none), the SaaS team is mailed, once per newest backup whatever the replicas.
    /// Returns whether a mail was queued now.
    pub async fn watch_recovery_point(&self) -> Result<bool, DeskError> {
        if !self.backups.enabled {
            return Ok(false);
        }
        let now = self.clock.now();
        let rules = self.continuity_rules();
        let mut tx = self.store.write().await?;
        let newest = store::newest_verified(&mut tx).await?;
        let taken = newest
            .as_ref()
            .and_then(|b| b.taken_at)
            .and_then(|t| Timestamp::from_second(t).ok());
        // A desk that has never had a backup gets one recovery point from its first attempt.
        let never = taken.is_none();
        if never {
            let first_attempt = store::first_attempt(&mut tx).await?;
            let grace_from = first_attempt.unwrap_or(now.as_second());
            if now.as_second() - grace_from <= rules.rpo_seconds {
                return Ok(false);
            }
        } else if !rules.rpo_passed(taken, now) {
            return Ok(false);
        }
        let key = format!("rpo:{}", newest.as_ref().map_or(0, |b| b.id));
        if !store::first_alert(&mut tx, &key, now.as_second()).await? {
            return Ok(false);
        }
        let last_failure = store::recent(&mut tx, 1)
            .await?
            .into_iter()
            .find(|b| b.state == crate::domain::continuity::BackupState::Failed)
            .map(|b| b.detail);
        self.mail_operators(&mut tx, None, |language| {
            let reason = last_failure
                .as_deref()
                .map(|stored| crate::catalogue::stored_text(stored, language));
            crate::notify::backup_overdue(
                taken,
                rules.rpo_seconds,
                reason.as_deref(),
                &self.public_url,
                language,
            )
        })
        .await?;
        audit::record(
            &mut tx,
            now.as_second(),
            None,
            None,
            "backup.rpo_passed",
            "backups",
            &json!({ "newest_verified": newest.as_ref().map(|b| b.id) }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Backups and drills for staff.
    pub async fn continuity(&self, actor: &Actor) -> Result<ContinuityOverview, DeskError> {
        super::availability::require_staff(actor)?;
        let rules = self.continuity_rules();
        let now = self.clock.now();
        let mut conn = self.store.read().await?;
        let newest_verified = store::newest_verified(&mut conn).await?;
        let taken = newest_verified
            .as_ref()
            .and_then(|b| b.taken_at)
            .and_then(|t| Timestamp::from_second(t).ok());
        let last = store::last_drills(&mut conn).await?;
        Ok(ContinuityOverview {
            enabled: self.backups.enabled,
            rpo_seconds: rules.rpo_seconds,
            age_seconds: taken.map(|t| now.as_second() - t.as_second()),
            rpo_passed: rules.rpo_passed(taken, now),
            newest_verified,
            key_on_server: self.backups.key_on_server(),
            folder: self.backups.folder.root().display().to_string(),
            offsite: self.backups.offsite.as_ref().map(|o| o.shown().to_string()),
            backups: store::recent(&mut conn, 60).await?,
            drills: store::drills(&mut conn, 50).await?,
            scenarios: Scenario::ALL
                .into_iter()
                .map(|s| {
                    let drill = last.iter().find(|d| d.scenario == s).cloned();
                    (s, rules.rto_seconds(s), drill)
                })
                .collect(),
        })
    }

    /// Records a drill (D2), judged against its scenario's RTO of the policy in force.
    pub async fn record_drill(&self, record: &DrillRecord) -> Result<Drill, DeskError> {
        let rules = self.continuity_rules();
        let rto = rules.rto_seconds(record.scenario);
        let met = record.passed && rules.drill_met(record.scenario, record.took_seconds);
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let id = store::insert_drill(
            &mut tx,
            &NewDrill {
                scenario: record.scenario,
                performed: record.performed,
                backup_name: record.backup_name.as_deref(),
                started_at: record.started_at.as_second(),
                took_seconds: record.took_seconds,
                rto_seconds: rto,
                passed: record.passed,
                met_rto: met,
                ran_by: &record.ran_by,
                detail: &record.detail,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            None,
            None,
            "drill.recorded",
            &format!("drill:{id}"),
            &json!({
                "scenario": record.scenario.key(),
                "took_seconds": record.took_seconds,
                "met_rto": met,
                "ran_by": record.ran_by,
            }),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        store::drills(&mut conn, 50)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| DeskError::Fault("a drill just recorded is not there".into()))
    }

    /// The newest verified backup, and where its archive lies.
    pub async fn newest_verified_backup(&self) -> Result<Option<(Backup, PathBuf)>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(store::newest_verified(&mut conn).await?.and_then(|b| {
            let path = Path::new(b.folder.as_deref()?).join(b.name.as_deref()?);
            Some((b, path))
        }))
    }
}
