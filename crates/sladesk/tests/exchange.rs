//! Import and export (docs/EXCHANGE.md): the round trip SQLite → PostgreSQL → SQLite of a desk
//! with every kind of object and event, compared through the API; bad lines reported by
//! number; `--skip-invalid`; a real `sladesk import` killed halfway and run again; a CSV file
//! with a mapping; a customer's export that holds nothing of another organisation.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use common::{Backend, Database, Server, dutch, test_config};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::desk::{ExportScope, ImportOptions, Phase};
use sladesk::domain::accounts::Role;

static N: AtomicU32 = AtomicU32::new(0);

fn sladesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sladesk"));
    command.env("LC_ALL", "C.UTF-8");
    command
}

/// A folder of the test's own, emptied.
fn work_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sladesk-exchange-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `--data-dir` or `--database` flags of a database.
fn target(db: &Database) -> Vec<String> {
    match db.backend {
        Backend::Sqlite => {
            let file = db
                .url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap();
            vec![
                "--data-dir".into(),
                Path::new(file).parent().unwrap().display().to_string(),
            ]
        }
        Backend::Postgres => vec!["--database".into(), db.url.clone()],
    }
}

/// A server on `db` whose clock stands at `at`; a SQLite desk keeps its file as `sladesk.db`
/// in the folder `--data-dir` names.
async fn server_at(db: &Database, at: jiff::Timestamp) -> Server {
    Server::start_with_clock(test_config(&db.url), Clock::manual(at)).await
}

/// A desk with every kind of object and event the format carries, made through the API (and
/// the monitors' own entry for check results): returns the ticket ids and the component's.
async fn rich_desk(s: &Server) -> (Vec<i64>, i64) {
    let acme = s.organization("Acme", None).await;
    let contract = "[priorities.normal]\nreaction = \"2h\"\n";
    let globex = s.organization("Globex", Some(contract)).await;
    let customer = s
        .token("ann@acme.example", Role::Customer, Some(acme))
        .await;
    let other = s
        .token("gus@globex.example", Role::Customer, Some(globex))
        .await;
    let agent = s.token("first@vendor.example", Role::FirstLine, None).await;
    let second = s
        .token("second@vendor.example", Role::SecondLine, None)
        .await;
    let saas = s.token("saas@vendor.example", Role::SaasTeam, None).await;
    let mut conn = s.desk().store.read().await.unwrap();
    let second_id = sladesk::store::accounts::user_by_email(&mut conn, "second@vendor.example")
        .await
        .unwrap()
        .unwrap()
        .id;
    drop(conn);
    let hour = SignedDuration::from_hours(1);

    let a = s.file_ticket(&customer, None, "Connector fails").await["id"]
        .as_i64()
        .unwrap();
    s.advance(hour);
    let b = s.file_ticket(&other, None, "Report wrong").await["id"]
        .as_i64()
        .unwrap();
    let c = s.file_ticket(&customer, None, "A question").await["id"]
        .as_i64()
        .unwrap();
    let ok = |(status, body): (StatusCode, Value)| {
        assert!(status.is_success(), "{status} {body}");
        body
    };
    let t = |id: i64, rest: &str| format!("/api/v1/tickets/{id}{rest}");
    // a: triage with a reason, a note, a call, a reply, waiting for the customer, their
    // reply, an assignment, an escalation, a type change, an exclusion, closed, reopened.
    ok(s.patch(
        &agent,
        &t(a, ""),
        json!({"priority": "high", "priority_reason": "department blocked"}),
    )
    .await);
    s.advance(SignedDuration::from_mins(20));
    ok(s.post(
        &agent,
        &t(a, "/comments"),
        json!({"body": "token expired?", "visibility": "internal"}),
    )
    .await);
    ok(s.post(
        &agent,
        &t(a, "/phone-calls"),
        json!({"summary": "Customer called, explained impact"}),
    )
    .await);
    ok(s.post(
        &agent,
        &t(a, "/comments"),
        json!({"body": "We are looking into it.", "visibility": "public"}),
    )
    .await);
    ok(s.post(
        &agent,
        &t(a, "/transitions"),
        json!({"status": "in_progress"}),
    )
    .await);
    s.advance(hour);
    ok(s.post(
        &agent,
        &t(a, "/transitions"),
        json!({"status": "waiting_for_customer"}),
    )
    .await);
    s.advance(SignedDuration::from_hours(20));
    ok(s.post(
        &customer,
        &t(a, "/comments"),
        json!({"body": "Still failing", "visibility": "public"}),
    )
    .await);
    ok(
        s.patch(&agent, &t(a, ""), json!({"assignee_id": second_id}))
            .await,
    );
    ok(s.post(
        &agent,
        &t(a, "/escalations"),
        json!({"reason": "needs a developer"}),
    )
    .await);
    ok(s.patch(&second, &t(a, ""), json!({"type": "bug"})).await);
    let now = s.desk().clock.now();
    ok(s.post(&second, &t(a, "/exclusions"), json!({"starts_at": (now - hour).to_string(), "ends_at": now.to_string(), "category": "third_party", "reason": "hosting provider"})).await);
    s.advance(hour);
    ok(
        s.post(&second, &t(a, "/transitions"), json!({"status": "closed"}))
            .await,
    );
    s.advance(hour);
    ok(s.post(
        &customer,
        &t(a, "/transitions"),
        json!({"status": "in_progress"}),
    )
    .await);
    // b: disputed, then closed; c: outside the SLA (custom work).
    ok(s.post(
        &other,
        &t(b, "/disputes"),
        json!({"reason": "It is urgent for us"}),
    )
    .await);
    ok(
        s.post(&agent, &t(b, "/transitions"), json!({"status": "closed"}))
            .await,
    );
    ok(
        s.patch(&agent, &t(c, ""), json!({"type": "development_request"}))
            .await,
    );
    ok(s.patch(&agent, &t(c, ""), json!({"outside_sla": true}))
        .await);

    // Availability: a production component, its monitor, an outage (which files a 24/7
    // ticket), a maintenance window and an exclusion.
    let component = ok(s
        .post(
            &saas,
            "/api/v1/components",
            json!({"name": "Platform", "production": true}),
        )
        .await)["id"]
        .as_i64()
        .unwrap();
    ok(s.post(
        &saas,
        &format!("/api/v1/components/{component}/monitors"),
        json!({"kind": "http", "target": "http://127.0.0.1:9/health", "interval_seconds": 60}),
    )
    .await);
    let mut conn = s.desk().store.read().await.unwrap();
    let monitor = sladesk::store::availability::monitors_of(&mut conn, component)
        .await
        .unwrap()
        .remove(0);
    drop(conn);
    let mut monitor = monitor;
    for _ in 0..3 {
        let at = s.desk().clock.now();
        s.desk()
            .record_check(monitor.clone(), Some("connection refused".into()), at)
            .await
            .unwrap();
        let mut conn = s.desk().store.read().await.unwrap();
        monitor = sladesk::store::availability::monitors_of(&mut conn, component)
            .await
            .unwrap()
            .remove(0);
        s.advance(SignedDuration::from_mins(1));
    }
    s.advance(SignedDuration::from_mins(30));
    let at = s.desk().clock.now();
    s.desk().record_check(monitor, None, at).await.unwrap();
    let now = s.desk().clock.now();
    ok(s.post(&saas, "/api/v1/maintenance-windows", json!({"component_id": component, "starts_at": (now + SignedDuration::from_hours(24 * 8)).to_string(), "ends_at": (now + SignedDuration::from_hours(24 * 8 + 2)).to_string(), "work": "Database upgrade", "impact": "Read only"})).await);
    ok(s.post(&saas, "/api/v1/availability/exclusions", json!({"component_id": component, "starts_at": (now - SignedDuration::from_mins(90)).to_string(), "ends_at": (now - SignedDuration::from_mins(80)).to_string(), "category": "third_party", "reason": "DNS provider"})).await);
    let (_, list) = s.get(&s.admin, "/api/v1/tickets?limit=100").await;
    let mut ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 4, "three filed and the outage's: {list}");
    (ids, component)
}

/// What the API says of every ticket (with its explanation and events) and of the
/// component's month, as an integrator reads it. Event ids are the database's own; the
/// order of the events is what counts.
async fn answers(s: &Server, tickets: &[i64], component: i64) -> Vec<Value> {
    let mut all = Vec::new();
    for id in tickets {
        let (status, ticket) = s
            .get(&s.admin, &format!("/api/v1/tickets/{id}?explain=true"))
            .await;
        assert_eq!(status, StatusCode::OK, "{ticket}");
        all.push(ticket);
        let (status, mut events) = s
            .get(&s.admin, &format!("/api/v1/tickets/{id}/events"))
            .await;
        assert_eq!(status, StatusCode::OK, "{events}");
        for event in events.as_array_mut().into_iter().flatten() {
            event.as_object_mut().unwrap().remove("id");
        }
        all.push(events);
    }
    let month = s
        .desk()
        .clock
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap());
    let month = format!("{:04}-{:02}", month.year(), month.month());
    let (status, report) = s
        .get(
            &s.admin,
            &format!("/api/v1/availability?component={component}&month={month}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    all.push(report);
    let (_, audit) = s.get(&s.admin, "/api/v1/audit?limit=200").await;
    let now = s.desk().clock.now();
    let mut trail: Vec<Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        // What the harness and the import itself did on this desk: the admin a server starts
        // with (created at the server's moment), tokens, the import's own entry.
        .filter(|e| e["action"] != "exchange.import" && e["action"] != "token.create")
        .filter(|e| !(e["action"] == "user.create" && e["at"] == json!(now.to_string())))
        .map(|e| json!([e["at"], e["action"], e["subject"]]))
        .collect();
    trail.sort_by_key(|e| e.to_string());
    all.push(Value::Array(trail));
    all
}

/// Asserts two sets of answers are the same, showing the first that differs.
fn same(got: &[Value], expected: &[Value], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}");
    for (index, (got, expected)) in got.iter().zip(expected).enumerate() {
        assert!(
            got == expected,
            "{what}: answer {index} differs:\n got      {got}\n expected {expected}"
        );
    }
}

/// Exports `from` in-process (the desk of a running server) to a file.
async fn export_to(s: &Server, file: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).unwrap());
    s.desk()
        .export(&ExportScope::default(), &mut out, &|_| {})
        .await
        .unwrap();
}

/// Imports a file in-process into a running server's desk, keeping the numbers.
async fn import_into(s: &Server, file: &Path) -> sladesk::desk::ImportSummary {
    let mut problems = Vec::new();
    let summary = s
        .desk()
        .import(
            file,
            &ImportOptions {
                keep_numbers: true,
                skip_invalid: None,
            },
            &mut |p| problems.push(p.text(sladesk_core::text::Language::En)),
            &|_: Phase, _| {},
        )
        .await;
    assert!(problems.is_empty(), "{problems:?}");
    summary.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_goes_from_sqlite_to_postgresql_and_back_with_every_answer_the_same() {
    let start = dutch("2026-03-02T08:45:00");
    let source_db = Database::fresh(Backend::Sqlite).await;
    let source = server_at(&source_db, start).await;
    let (tickets, component) = rich_desk(&source).await;
    let now = source.desk().clock.now();
    let expected = answers(&source, &tickets, component).await;
    let dir = work_dir("round-trip");
    let first = dir.join("from-sqlite.jsonl");
    export_to(&source, &first).await;
    source.stop().await;

    // Into an empty PostgreSQL desk, while it serves.
    let pg_db = Database::fresh(Backend::Postgres).await;
    let pg = server_at(&pg_db, now).await;
    let summary = import_into(&pg, &first).await;
    assert_eq!(summary.written.get("ticket"), Some(&4), "{summary:?}");
    assert_eq!(
        summary.already.get("person"),
        Some(&1),
        "the admin who set the desk up is the same person: {summary:?}"
    );
    let on_postgres = answers(&pg, &tickets, component).await;
    same(&on_postgres, &expected, "on PostgreSQL");

    // Importing again changes nothing.
    let again = import_into(&pg, &first).await;
    assert!(again.written.is_empty(), "{again:?}");
    assert_eq!(again.already.get("ticket"), Some(&4));
    same(
        &answers(&pg, &tickets, component).await,
        &expected,
        "imported twice",
    );

    // And back into a new SQLite desk.
    let second = dir.join("from-postgres.jsonl");
    export_to(&pg, &second).await;
    pg.stop().await;
    let back_db = Database::fresh(Backend::Sqlite).await;
    let back = server_at(&back_db, now).await;
    import_into(&back, &second).await;
    same(
        &answers(&back, &tickets, component).await,
        &expected,
        "back on SQLite",
    );
    // A ticket filed after the import takes the next number.
    let (_, org) = back.get(&back.admin, "/api/v1/organizations").await;
    let acme = org["items"][0]["id"].as_i64().unwrap();
    let customer = back
        .token("ann@acme.example", Role::Customer, Some(acme))
        .await;
    let next = back.file_ticket(&customer, None, "After the move").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(next, tickets.iter().max().unwrap() + 1);
    back.stop().await;
}
