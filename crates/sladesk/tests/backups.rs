//! D1, D2: the desk's own backups, on SQLite and on PostgreSQL, as an operator meets them: taken
//! while tickets are filed, restored by the real `sladesk restore` into an empty target,
//! refused when damaged, of another key or of a newer schema, verified (a database whose
//! stored SLA disagrees with its events is caught), kept by retention, watched against the
//! recovery point (the SaaS team is mailed once), one per interval with two replicas, and
//! drilled by the real `sladesk drill`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::Value;
use sladesk::backup::keys;
use sladesk::catalogue::stored_text;
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;
use sladesk::domain::continuity::BackupState;
use sladesk_core::text::Language;
use sqlx::Connection;

struct Desk {
    db: Database,
    work: PathBuf,
    key: PathBuf,
    server: Server,
}

impl Desk {
    fn folder(&self) -> PathBuf {
        self.work.join("backups")
    }

    /// The archives in the backup folder (with a manifest: the ones that count), sorted.
    fn archives(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.folder())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".zst.age"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// A desk with backups on, into its own folder, encrypted to a key the test holds, on a manual
/// clock starting at the first second of a backup interval (00:00 UTC, 01:00 in Amsterdam).
/// Its jobs are slow, so the test takes the backups itself.
async fn desk(backend: Backend, policy: Option<&str>) -> Desk {
    let db = Database::fresh(backend).await;
    let work = work_dir("desk");
    let key = work.join("key.txt");
    let recipient = keys::generate_into(&key, jiff::Timestamp::now()).unwrap();
    let mut config = test_config(&db.url);
    config.jobs.interval_ms = 3_600_000;
    config.data_dir = work.join("data");
    config.backup.enabled = true;
    config.backup.folder = Some(work.join("backups"));
    config.backup.recipients = vec![recipient];
    if let Some(policy) = policy {
        let file = work.join("policy.toml");
        std::fs::write(&file, policy).unwrap();
        config.policy_file = Some(file);
    }
    let clock = Clock::manual(dutch("2026-03-02T01:00"));
    let server = Server::start_with_clock(config, clock).await;
    Desk {
        db,
        work,
        key,
        server,
    }
}

/// An empty target of the backend: a data folder, or a fresh PostgreSQL database.
async fn empty_target(backend: Backend) -> (String, Option<Database>) {
    match backend {
        Backend::Sqlite => (work_dir("target").display().to_string(), None),
        Backend::Postgres => {
            let db = Database::fresh(Backend::Postgres).await;
            (db.url.clone(), Some(db))
        }
    }
}

fn target_url(backend: Backend, to: &str) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{to}/sladesk.db?mode=ro"),
        Backend::Postgres => to.to_string(),
    }
}

/// Runs `sladesk restore`; its exit code and stderr.
fn restore(archive: &Path, to: &str, key: &Path, extra: &[&str]) -> (i32, String) {
    let out = sladesk()
        .arg("restore")
        .arg(archive)
        .args(["--to", to, "--identity"])
        .arg(key)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn ticket_ids(url: &str) -> Vec<i64> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    ids
}

async fn execute(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap();
}

on_both_databases!(
    a_backup_taken_while_tickets_are_filed_restores_every_ticket_acknowledged_before_it,
    verification_catches_a_database_whose_sla_disagrees_and_restore_refuses_bad_archives,
    retention_keeps_the_newest_days_and_weeks_and_deletes_the_rest,
    the_saas_team_is_mailed_once_when_backups_stop_past_the_recovery_point,
    a_drill_restores_the_newest_backup_starts_a_server_and_records_its_time,
);

async fn a_backup_taken_while_tickets_are_filed_restores_every_ticket_acknowledged_before_it(
    backend: Backend,
) {
    let d = desk(backend, None).await;
    let org = d.server.organization("Acme", None).await;
    let customer = d
        .server
        .token("klant@acme.example", Role::Customer, Some(org))
        .await;
    let mut before = Vec::new();
    for i in 0..20 {
        let t = d
            .server
            .file_ticket(&customer, None, &format!("before {i}"))
            .await;
        before.push(t["id"].as_i64().unwrap());
    }
    // Writers keep filing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (base, client, token) = (
            d.server.base.clone(),
            d.server.client.clone(),
            customer.clone(),
        );
        let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let answer = client
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"type": "incident", "environment": "production",
                        "product": "Qixium", "subject": format!("during {w}-{i}"), "description": "while backing up"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::CREATED);
                let ticket: Value = answer.json().await.unwrap();
                acknowledged.lock().unwrap().push(ticket["id"].as_i64().unwrap());
                i += 1;
            }
        }));
    }
    // The backup starts once the writers are at work.
    eventually(30, "the writers' first tickets", || async {
        (!acknowledged.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    let backup = d
        .server
        .desk()
        .back_up_if_due()
        .await
        .unwrap()
        .expect("the interval's backup is taken");
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(backup.state, BackupState::Verified, "{}", backup.detail);
    let checked = stored_text(&backup.detail, Language::En);
    assert!(
        checked.contains("recomputed from its events agrees"),
        "verification recomputed a ticket's SLA: {checked}"
    );
    assert!(
        stored_text(&backup.detail, Language::Nl).contains("klopt"),
        "and says so in Dutch too"
    );
    let during = acknowledged.lock().unwrap().len();
    assert!(during > 0, "tickets were filed while the backup ran");
    // A second call in the same interval does nothing.
    assert!(d.server.desk().back_up_if_due().await.unwrap().is_none());
    let (status, listed) = d.server.get(&d.server.admin, "/api/v1/backups").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["backups"][0]["state"], "verified");
    assert_eq!(listed["rpo_passed"], false);
    let counted = listed["backups"][0]["counts"]["tickets"].as_i64().unwrap();
    assert!(counted >= 20, "{listed}");
    let name = backup.name.clone().unwrap();
    assert_eq!(d.archives(), vec![name.clone()]);

    let (to, _target_db) = empty_target(backend).await;
    let (code, said) = restore(&d.folder().join(&name), &to, &d.key, &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("restored"), "{said}");
    let restored = ticket_ids(&target_url(backend, &to)).await;
    for id in &before {
        assert!(
            restored.contains(id),
            "ticket {id}, acknowledged before the backup, restored"
        );
    }
    assert_eq!(
        restored.len() as i64,
        counted,
        "as many tickets as the manifest counts"
    );
    let all: Vec<i64> = ticket_ids(&d.db.url).await;
    assert!(
        restored.iter().all(|id| all.contains(id)),
        "nothing restored that the desk does not hold"
    );
    d.server.stop().await;
}

async fn verification_catches_a_database_whose_sla_disagrees_and_restore_refuses_bad_archives(
    backend: Backend,
) {
    let d = desk(backend, None).await;
    let org = d.server.organization("Acme", None).await;
    let customer = d
        .server
        .token("klant@acme.example", Role::Customer, Some(org))
        .await;
    for i in 0..3 {
        d.server
            .file_ticket(&customer, None, &format!("ticket {i}"))
            .await;
    }
    let good = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(good.state, BackupState::Verified, "{}", good.detail);
    let good_name = good.name.clone().unwrap();

    // The stored SLA of the newest ticket no longer follows from its events: verification,
    // which recomputes it in the restored copy, must refuse the backup.
    execute(
        &d.db.url,
        "UPDATE tickets SET due_at = due_at + 7 WHERE id = (SELECT MAX(id) FROM tickets)",
    )
    .await;
    d.server.advance(SignedDuration::from_hours(24));
    let bad = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(bad.state, BackupState::Failed);
    let reason = stored_text(&bad.detail, Language::En);
    assert!(reason.contains("differs from what was stored"), "{reason}");
    assert_eq!(
        d.archives(),
        vec![good_name.clone()],
        "the failed backup's archive is gone"
    );
    let (_, listed) = d.server.get(&d.server.admin, "/api/v1/backups").await;
    assert_eq!(listed["backups"][0]["state"], "failed");
    assert_eq!(
        listed["newest_verified_at"], listed["backups"][1]["taken_at"],
        "only the verified one counts"
    );

    // Restore refuses, each with its reason and exit code 2, and touches nothing.
    let copy = |what: &str| {
        let dir = work_dir(what);
        let archive = dir.join(&good_name);
        std::fs::copy(d.folder().join(&good_name), &archive).unwrap();
        let manifest = format!("{good_name}.manifest.json");
        std::fs::copy(d.folder().join(&manifest), dir.join(&manifest)).unwrap();
        (archive, dir.join(manifest))
    };
    let (to, _target_db) = empty_target(backend).await;

    let (flipped, _) = copy("flipped");
    let mut bytes = std::fs::read(&flipped).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&flipped, &bytes).unwrap();
    let (code, said) = restore(&flipped, &to, &d.key, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("checksum"), "{said}");

    // Truncated, with a manifest that matches the truncated file: age's authentication of
    // every chunk catches it while restoring.
    let (truncated, manifest) = copy("truncated");
    let whole = std::fs::read(&truncated).unwrap();
    let half = &whole[..whole.len() * 2 / 3];
    std::fs::write(&truncated, half).unwrap();
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let sum = sladesk::backup::archive::checksum_of(&truncated).unwrap();
    m["size"] = sum.size.into();
    m["sha256"] = sum.sha256.into();
    std::fs::write(&manifest, m.to_string()).unwrap();
    let (code, said) = restore(&truncated, &to, &d.key, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("damaged"), "{said}");

    let (archive, manifest) = copy("newer");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m["schema"] = 9_999.into();
    std::fs::write(&manifest, m.to_string()).unwrap();
    let (code, said) = restore(&archive, &to, &d.key, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("newer"), "{said}");

    let stranger = work_dir("stranger").join("key.txt");
    keys::generate_into(&stranger, jiff::Timestamp::now()).unwrap();
    let good_path = d.folder().join(&good_name);
    let (code, said) = restore(&good_path, &to, &stranger, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("key"), "{said}");

    // The other database's kind is refused; the right one restores once, then the target is
    // not empty, unless replacing is asked for.
    let other = match backend {
        Backend::Sqlite => "postgres://postgres@127.0.0.1:5432/test".to_string(),
        Backend::Postgres => work_dir("other").display().to_string(),
    };
    let (code, said) = restore(&good_path, &other, &d.key, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("cannot be restored into"), "{said}");
    assert_eq!(restore(&good_path, &to, &d.key, &[]).0, 0);
    let (code, said) = restore(&good_path, &to, &d.key, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("not empty"), "{said}");
    let (code, said) = restore(&good_path, &to, &d.key, &["--force"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(ticket_ids(&target_url(backend, &to)).await.len(), 3);
    d.server.stop().await;
}

async fn retention_keeps_the_newest_days_and_weeks_and_deletes_the_rest(backend: Backend) {
    let policy = "[continuity]\nkeep_daily = 2\nkeep_weekly = 2\nkeep_monthly = 0\n";
    let d = desk(backend, Some(policy)).await;
    // Monday 2 March to Wednesday 11 March 2026, one backup a night.
    let mut names = Vec::new();
    for day in 0..10 {
        if day > 0 {
            d.server.advance(SignedDuration::from_hours(24));
        }
        let b = d.server.desk().back_up_if_due().await.unwrap().unwrap();
        assert_eq!(b.state, BackupState::Verified, "{}", b.detail);
        names.push(b.name.unwrap());
    }
    // Kept: the two newest days (11, 10 March) and the newest of the two newest ISO weeks
    // (11 March; 8 March, the Sunday of the week before).
    let mut kept = vec![names[9].clone(), names[8].clone(), names[6].clone()];
    kept.sort();
    assert_eq!(d.archives(), kept);
    assert!(names[6].contains("20260308"), "{}", names[6]);
    let (_, listed) = d.server.get(&d.server.admin, "/api/v1/backups").await;
    let states: Vec<&str> = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "verified").count(), 3);
    assert_eq!(states.iter().filter(|s| **s == "deleted").count(), 7);
    for name in &names {
        let manifest = d.folder().join(format!("{name}.manifest.json"));
        assert_eq!(manifest.exists(), kept.contains(name), "{name}");
    }
    d.server.stop().await;
}

async fn the_saas_team_is_mailed_once_when_backups_stop_past_the_recovery_point(backend: Backend) {
    let d = desk(backend, None).await;
    d.server
        .token("ops@vendor.example", Role::SaasTeam, None)
        .await;
    let first = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(first.state, BackupState::Verified, "{}", first.detail);
    // The folder becomes a file: every later backup fails (as on a full or lost disk).
    std::fs::remove_dir_all(d.folder()).unwrap();
    std::fs::write(d.folder(), "not a folder").unwrap();
    d.server.advance(SignedDuration::from_hours(23));
    assert!(!d.server.desk().watch_recovery_point().await.unwrap());
    d.server.advance(SignedDuration::from_hours(1));
    let failed = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(failed.state, BackupState::Failed);
    // Exactly at the recovery point: not yet passed.
    assert!(!d.server.desk().watch_recovery_point().await.unwrap());
    d.server.advance(SignedDuration::from_secs(1));
    assert!(d.server.desk().watch_recovery_point().await.unwrap());
    assert!(
        !d.server.desk().watch_recovery_point().await.unwrap(),
        "told once"
    );
    let mails: Vec<_> = outbox(&d.db)
        .await
        .into_iter()
        .filter(|(to, _, _)| to == "ops@vendor.example")
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (_, subject, body) = &mails[0];
    assert!(
        subject.contains("herstelpunt"),
        "Dutch, the staff member's language: {subject}"
    );
    assert!(body.contains("/backups"), "{body}");
    assert!(body.contains("backups"), "the failure's reason: {body}");
    let (_, listed) = d.server.get(&d.server.admin, "/api/v1/backups").await;
    assert_eq!(listed["rpo_passed"], true);
    // A new verified backup ends the episode.
    std::fs::remove_file(d.folder()).unwrap();
    d.server.advance(SignedDuration::from_hours(2));
    // The failed interval is tried again after its back-off.
    let retried = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(retried.state, BackupState::Verified, "{}", retried.detail);
    let (_, listed) = d.server.get(&d.server.admin, "/api/v1/backups").await;
    assert_eq!(listed["rpo_passed"], false);
    d.server.stop().await;
}

async fn a_drill_restores_the_newest_backup_starts_a_server_and_records_its_time(backend: Backend) {
    let d = desk(backend, None).await;
    let org = d.server.organization("Acme", None).await;
    let customer = d
        .server
        .token("klant@acme.example", Role::Customer, Some(org))
        .await;
    d.server.file_ticket(&customer, None, "drilled").await;
    let b = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(b.state, BackupState::Verified, "{}", b.detail);

    let drill = sladesk()
        .args([
            "drill",
            "--scenario",
            "data-loss",
            "--by",
            "tester",
            "--database",
        ])
        .arg(&d.db.url)
        .arg("--identity")
        .arg(&d.key)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&drill.stderr);
    assert!(drill.status.success(), "{said}");
    assert!(said.contains("passed"), "{said}");

    let by_hand = sladesk()
        .args([
            "drill",
            "--scenario",
            "location-loss",
            "--took",
            "20h",
            "--result",
            "passed",
            "--by",
            "ops",
            "--notes",
            "second site",
            "--database",
        ])
        .arg(&d.db.url)
        .output()
        .unwrap();
    assert!(
        by_hand.status.success(),
        "{}",
        String::from_utf8_lossy(&by_hand.stderr)
    );
    let refused = sladesk()
        .args(["drill", "--scenario", "system-loss", "--database"])
        .arg(&d.db.url)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));

    let (status, drills) = d.server.get(&d.server.admin, "/api/v1/drills").await;
    assert_eq!(status, StatusCode::OK, "{drills}");
    let list = drills["drills"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{drills}");
    let performed = list.iter().find(|x| x["performed"] == "sladesk").unwrap();
    assert_eq!(performed["scenario"], "data_loss");
    assert_eq!(performed["passed"], true, "{performed}");
    assert_eq!(performed["met_rto"], true);
    assert_eq!(performed["rto_seconds"], 7200);
    assert_eq!(performed["ran_by"], "tester");
    assert!(performed["took_seconds"].as_i64().unwrap() >= 1);
    assert_eq!(performed["backup_name"], b.name.clone().unwrap().as_str());
    assert!(
        performed["detail"].as_str().unwrap().contains("healthz"),
        "{performed}"
    );
    let manual = list.iter().find(|x| x["performed"] == "by_hand").unwrap();
    assert_eq!(manual["scenario"], "location_loss");
    assert_eq!(manual["took_seconds"], 72_000);
    assert_eq!(
        manual["met_rto"], false,
        "20 h is over the 16 h of a lost location"
    );
    let scenarios = drills["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 5);
    assert!(
        scenarios
            .iter()
            .any(|s| s["scenario"] == "system_loss" && s["last"].is_null())
    );
    // Customers see none of it.
    let (status, _) = d.server.get(&customer, "/api/v1/drills").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    d.server.stop().await;
}

/// Two replicas on one PostgreSQL database, their jobs running as in production: exactly one
/// takes the interval's backup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_take_one_backup_per_interval() {
    let db = Database::fresh(Backend::Postgres).await;
    let work = work_dir("replicas");
    let recipient = keys::generate_into(&work.join("key.txt"), jiff::Timestamp::now()).unwrap();
    let clock = Clock::manual(jiff::Timestamp::now());
    let mut servers = Vec::new();
    for replica in 0..2 {
        let mut config = test_config(&db.url);
        config.data_dir = work.join(format!("data-{replica}"));
        config.backup.enabled = true;
        config.backup.folder = Some(work.join(format!("backups-{replica}")));
        config.backup.recipients = vec![recipient.clone()];
        servers.push(Server::start_with_clock(config, clock.clone()).await);
    }
    let listed = eventually(60, "a verified backup", || async {
        let (_, listed) = servers[0].get(&servers[0].admin, "/api/v1/backups").await;
        (listed["backups"][0]["state"] == "verified").then_some(listed)
    })
    .await;
    // Neither replica takes the interval again, asked directly as its job would ask.
    for s in &servers {
        assert!(s.desk().back_up_if_due().await.unwrap().is_none());
    }
    let (_, listed_again) = servers[1].get(&servers[1].admin, "/api/v1/backups").await;
    assert_eq!(
        listed_again["backups"].as_array().unwrap().len(),
        1,
        "{listed_again}"
    );
    assert_eq!(listed["backups"][0]["attempts"], 1);
    let files: usize = (0..2)
        .map(|r| {
            std::fs::read_dir(work.join(format!("backups-{r}")))
                .map(|e| {
                    e.flatten()
                        .filter(|f| f.file_name().to_string_lossy().ends_with(".zst.age"))
                        .count()
                })
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(files, 1);
    // /metrics tells the backup's age, the same on every replica.
    let metrics = reqwest::get(format!("{}/metrics", servers[1].base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sladesk_backup_newest_verified_age_seconds"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sladesk_backup_rpo_seconds 86400"),
        "{metrics}"
    );
    for s in servers {
        s.stop().await;
    }
}

/// kill -9 of `sladesk backup run` while it writes: what it leaves never counts (no archive
/// with a manifest, or only a whole one), and the next run removes the leftovers and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_killed_halfway_leaves_nothing_that_counts_and_the_next_starts_clean() {
    let d = desk(Backend::Sqlite, None).await;
    let org = d.server.organization("Acme", None).await;
    let customer = d
        .server
        .token("klant@acme.example", Role::Customer, Some(org))
        .await;
    d.server.file_ticket(&customer, None, "kept").await;
    // Enough data that the snapshot and its archive take a while to write.
    execute(&d.db.url, "CREATE TABLE filler (x BLOB)").await;
    for _ in 0..4 {
        execute(
            &d.db.url,
            "INSERT INTO filler VALUES (randomblob(16000000))",
        )
        .await;
    }
    let recipient = keys::recipient_of_file(&d.key).unwrap();
    let config = d.work.join("cli.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"{}\"\ndata_dir = \"{}\"\n[backup]\nfolder = \"{}\"\nrecipients = [\"{recipient}\"]\n",
            d.db.url,
            d.work.join("data").display(),
            d.folder().display()
        ),
    )
    .unwrap();
    let mut child = sladesk()
        .args(["backup", "run", "--config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partials = || -> Vec<PathBuf> {
        std::fs::read_dir(d.folder())
            .map(|e| {
                e.flatten()
                    .map(|f| f.path())
                    .filter(|p| p.to_string_lossy().contains(".partial"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while partials().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the backup never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backup ended before it was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = partials();
    assert!(!left.is_empty());
    for archive in d.archives() {
        // Anything that looks whole must be whole.
        let path = d.folder().join(&archive);
        if path
            .with_file_name(format!("{archive}.manifest.json"))
            .exists()
        {
            sladesk::backup::restore::check(&path).unwrap();
        }
    }
    // Ten minutes of real time later (the leftovers' clocks set back), the next run cleans up.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for path in &left {
        if let Ok(file) = std::fs::File::options().write(true).open(path) {
            file.set_modified(old).unwrap();
        }
    }
    let next = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(next.state, BackupState::Verified, "{}", next.detail);
    assert!(partials().is_empty(), "left: {:?}", partials());
    let name = next.name.unwrap();
    assert!(d.archives().contains(&name));
    d.server.stop().await;
}

/// A desk whose backups never succeeded gets one recovery point from its first attempt, then
/// the SaaS team (here: the admins, as there is no SaaS team) is told there is no backup at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_that_never_backed_up_is_told_after_one_recovery_point() {
    let d = desk(Backend::Sqlite, None).await;
    std::fs::write(d.folder(), "not a folder").unwrap();
    let failed = d.server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(failed.state, BackupState::Failed);
    d.server.advance(SignedDuration::from_hours(24));
    assert!(!d.server.desk().watch_recovery_point().await.unwrap());
    d.server.advance(SignedDuration::from_secs(1));
    assert!(d.server.desk().watch_recovery_point().await.unwrap());
    let mails: Vec<_> = outbox(&d.db)
        .await
        .into_iter()
        .filter(|(to, _, _)| to == "admin@vendor.example")
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].2.contains("geen enkele gecontroleerde back-up"),
        "{}",
        mails[0].2
    );
    d.server.stop().await;
}

/// The keys of a backup's copy: its archive and its manifest.
fn copies_of(name: &str) -> Vec<String> {
    vec![format!("desk/{name}"), format!("desk/{name}.manifest.json")]
}

/// Verified backups are copied to object storage, byte for byte; an unreachable store is a
/// failed copy, recorded and tried again, while the local backup still counts; retention
/// deletes old copies too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_backups_are_copied_off_site_and_a_store_that_is_down_is_tried_again() {
    let port = free_port();
    let mut s3 = S3Server::start(port).await;
    let db = Database::fresh(Backend::Sqlite).await;
    let work = work_dir("offsite");
    let recipient = keys::generate_into(&work.join("key.txt"), jiff::Timestamp::now()).unwrap();
    let mut config = test_config(&db.url);
    config.jobs.interval_ms = 3_600_000;
    config.data_dir = work.join("data");
    config.backup.enabled = true;
    config.backup.folder = Some(work.join("backups"));
    config.backup.recipients = vec![recipient];
    config.backup.offsite.url = "s3://backups/desk".into();
    config.backup.offsite.endpoint = s3.url();
    config.backup.offsite.access_key_id = "test".into();
    config.backup.offsite.secret_access_key = "test".into();
    config.backup.offsite.allow_http = true;
    let policy = work.join("policy.toml");
    std::fs::write(
        &policy,
        "[continuity]\nkeep_daily = 1\nkeep_weekly = 0\nkeep_monthly = 0\n",
    )
    .unwrap();
    config.policy_file = Some(policy);
    let server = Server::start_with_clock(config, Clock::manual(dutch("2026-03-02T01:00"))).await;
    let org = server.organization("Acme", None).await;
    let customer = server
        .token("klant@acme.example", Role::Customer, Some(org))
        .await;
    server.file_ticket(&customer, None, "off-site").await;

    let first = server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(first.state, BackupState::Verified, "{}", first.detail);
    let name = first.name.clone().unwrap();
    let (_, listed) = server.get(&server.admin, "/api/v1/backups").await;
    assert_eq!(listed["offsite"], "s3://backups/desk");
    assert_eq!(listed["backups"][0]["offsite"], "stored", "{listed}");
    let objects = s3.objects().await;
    let local = std::fs::read(work.join("backups").join(&name)).unwrap();
    let stored: Vec<String> = objects.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(stored, copies_of(&name));
    assert_eq!(objects[0].1, local.len() as u64);
    let copied = reqwest::get(format!("{}/backups/desk/{name}", s3.url()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        copied.as_ref(),
        local.as_slice(),
        "the copy is the archive, byte for byte"
    );

    // The store goes away: the next backup counts locally, its copy fails and waits.
    s3.stop();
    server.advance(SignedDuration::from_hours(24));
    let second = server.desk().back_up_if_due().await.unwrap().unwrap();
    assert_eq!(second.state, BackupState::Verified, "{}", second.detail);
    let (_, listed) = server.get(&server.admin, "/api/v1/backups").await;
    assert_eq!(listed["backups"][0]["offsite"], "failed", "{listed}");
    assert!(
        listed["backups"][0]["offsite_detail"]
            .as_str()
            .unwrap()
            .contains("objectopslag"),
        "the reason, in the reader's language: {listed}"
    );
    assert_eq!(listed["rpo_passed"], false, "the local backup counts");
    // Back (empty, as after a loss); the copy is tried again once its wait is over.
    let s3 = S3Server::start(port).await;
    assert_eq!(
        server.desk().copy_offsite_due().await.unwrap(),
        0,
        "not yet due"
    );
    server.advance(SignedDuration::from_mins(6));
    assert_eq!(server.desk().copy_offsite_due().await.unwrap(), 1);
    let second_name = second.name.unwrap();
    assert_eq!(s3.keys().await, copies_of(&second_name));
    // Retention (one daily kept) deletes the older backup here and its copy there.
    server.advance(SignedDuration::from_hours(24));
    let third = server.desk().back_up_if_due().await.unwrap().unwrap();
    let third_name = third.name.unwrap();
    assert_eq!(s3.keys().await, copies_of(&third_name));
    assert!(!work.join("backups").join(&second_name).exists());
    server.stop().await;
}
