//! Import and export (docs/EXCHANGE.md): the round trip SQLite → PostgreSQL → SQLite of a desk
//! with every kind of object and event, compared through the API; bad lines reported by
//! number; `--skip-invalid`; a real `sladesk import` killed halfway and run again; a CSV file
//! with a mapping; a customer's export that holds nothing of another organisation.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Backend, Database, Server, dutch, sladesk, test_config, work_dir};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::desk::{ExportScope, ImportOptions, Phase, SetAside};
use sladesk::domain::accounts::Role;

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
    // Search: on SQLite an import may rebuild the search index at its end.
    let (status, found) = s.get(&s.admin, "/api/v1/tickets?q=Connector").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let mut found: Vec<i64> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    found.sort_unstable();
    assert!(!found.is_empty(), "search finds the connector ticket");
    all.push(json!(found));
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
    // The monthly SLA report (S3) reads the columns derived from the events, not the events.
    for path in ["/api/v1/reports/sla", "/api/v1/reports/sla/breaches"] {
        let (status, report) = s.get(&s.admin, &format!("{path}?month={month}")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        all.push(report);
    }
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
async fn import_into(s: &Server, file: &Path, set_aside: SetAside) -> sladesk::desk::ImportSummary {
    let mut problems = Vec::new();
    let summary = s
        .desk()
        .import(
            file,
            &ImportOptions {
                keep_numbers: true,
                skip_invalid: None,
                set_aside,
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
    let summary = import_into(&pg, &first, SetAside::Auto).await;
    assert_eq!(summary.written.get("ticket"), Some(&4), "{summary:?}");
    assert_eq!(
        summary.already.get("person"),
        Some(&1),
        "the admin who set the desk up is the same person: {summary:?}"
    );
    let on_postgres = answers(&pg, &tickets, component).await;
    same(&on_postgres, &expected, "on PostgreSQL");

    // Importing again changes nothing.
    let again = import_into(&pg, &first, SetAside::Auto).await;
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
    // PostgreSQL's sequence went past the kept numbers: the next ticket filed takes the next.
    let (_, orgs) = pg.get(&pg.admin, "/api/v1/organizations").await;
    let acme = orgs["items"][0]["id"].as_i64().unwrap();
    let customer = pg
        .token("ann@acme.example", Role::Customer, Some(acme))
        .await;
    let next = pg.file_ticket(&customer, None, "After the move").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(next, tickets.iter().max().unwrap() + 1);
    pg.stop().await;
    let back_db = Database::fresh(Backend::Sqlite).await;
    let back = server_at(&back_db, now).await;
    // With the tickets' indexes and search index set aside while it writes, and the report
    // tallies counted a batch at a time, as a large import does.
    let before = schema_of_tickets(&back_db.url).await;
    import_into(&back, &second, SetAside::Always).await;
    assert_eq!(schema_of_tickets(&back_db.url).await, before);
    assert_eq!(
        raw_count(&back_db.url, "SELECT COUNT(*) FROM set_aside").await,
        0
    );
    tallies_as_the_view_counts(&back_db.url).await;
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

/// A data set of `tickets` tickets of one organisation, three events each (filed, answered,
/// closed), one line each, as another desk would write it.
fn data_set(tickets: usize) -> String {
    let mut lines = vec![
        json!({"kind": "header", "format": "sladesk-exchange", "version": 1, "exported_at": "2026-04-01T00:00:00Z"}),
        json!({"kind": "organization", "id": "o-1", "name": "Initech", "tier": "support", "created_at": "2026-03-01T09:00:00+01:00"}),
        json!({"kind": "person", "id": "p-1", "email": "peter@initech.example", "role": "customer", "organization": "o-1", "created_at": "2026-03-01T09:00:00+01:00"}),
        json!({"kind": "person", "id": "s-1", "email": "samir@vendor.example", "role": "first_line", "created_at": "2026-03-01T09:00:00+01:00"}),
    ];
    let start = dutch("2026-03-02T09:00:00");
    for n in 0..tickets {
        let filed = start + SignedDuration::from_mins(n as i64 % 10_000);
        lines.push(ticket_line(&format!("t-{n}"), filed));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn ticket_line(id: &str, filed: jiff::Timestamp) -> Value {
    let at = |minutes: i64| (filed + SignedDuration::from_mins(minutes)).to_string();
    json!({"kind": "ticket", "id": id, "number": format!("#{}", id.trim_start_matches("t-")),
        "organization": "o-1", "requester": "p-1", "subject": format!("Sync stops ({id})"),
        "created_at": filed.to_string(), "events": [
        {"at": filed.to_string(), "kind": "created", "actor": "p-1", "data": {"type": "incident", "priority": "normal", "product": "Qixium"}},
        {"at": at(30), "kind": "staff_reply", "actor": "s-1", "body": "Looking"},
        {"at": at(90), "kind": "status", "actor": "s-1", "data": {"to": "closed"}},
    ]})
}

/// A connection of its own to the desk at `url`, without opening the store.
async fn raw_connection(url: &str) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await.unwrap()
}

/// What `sql` counts in the desk at `url`, on a connection of its own: unlike [`count`], it
/// does not open the store (which makes again whatever an import set aside).
async fn raw_count(url: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = raw_connection(url).await;
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

/// The indexes (and on SQLite the triggers) of the tickets, with their SQL.
async fn schema_of_tickets(url: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let mut conn = raw_connection(url).await;
    let sql = if url.starts_with("sqlite") {
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'tickets' AND sql IS NOT NULL
         ORDER BY name"
    } else {
        "SELECT indexname::text, indexdef FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = 'tickets' ORDER BY indexname"
    };
    let rows = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    rows
}

/// The report tallies hold what the view `ticket_tallies` counts from the tickets, no more
/// and no less (what `sladesk report rebuild` would write).
async fn tallies_as_the_view_counts(url: &str) {
    let columns = "scope_id, measure, month, priority, policy_version, minutes, band, within";
    let kept = format!("SELECT {columns}, tickets FROM report_tallies WHERE tickets <> 0");
    let counted = format!("SELECT {columns}, COUNT(*) FROM ticket_tallies GROUP BY {columns}");
    for (a, b) in [(&kept, &counted), (&counted, &kept)] {
        let sql = format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS differing");
        assert_eq!(raw_count(url, &sql).await, 0, "{a} EXCEPT {b}");
    }
    assert!(raw_count(url, "SELECT COUNT(*) FROM report_tallies").await > 0);
}

/// How many rows `sql` counts in the desk at `url`.
async fn count(url: &str, sql: &str) -> i64 {
    let store = sladesk::store::Store::open(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&store.pool)
        .await
        .unwrap();
    store.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_line_is_reported_by_number_and_nothing_is_imported_unless_asked() {
    let db = Database::fresh(Backend::Sqlite).await;
    let dir = work_dir("bad-lines");
    let good = data_set(1);
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let filed = dutch("2026-03-03T10:00:00");
    let mut no_offset = ticket_line("t-no-offset", filed);
    no_offset["created_at"] = json!("2026-03-03T10:00:00");
    let mut illegal = ticket_line("t-illegal", filed);
    illegal["events"][2]["data"]["to"] = json!("waiting_for_development");
    let mut early = ticket_line("t-early", filed);
    early["events"][1]["at"] = json!((filed - SignedDuration::from_mins(5)).to_string());
    let mut stranger = ticket_line("t-stranger", filed);
    stranger["requester"] = json!("p-unknown");
    let bad = [
        "{not json".to_string(),
        json!({"kind": "teleport", "id": "x"}).to_string(),
        json!({"kind": "person", "id": "p-2", "role": "customer", "organization": "o-1", "created_at": "2026-03-01T09:00:00Z"}).to_string(),
        no_offset.to_string(),
        illegal.to_string(),
        early.to_string(),
        stranger.to_string(),
    ];
    // Lines 6 to 12 are bad; the good ticket of the data set follows them (line 13).
    let ticket = lines.pop().unwrap();
    lines.extend(bad.iter().cloned());
    lines.push(ticket);
    let file = dir.join("history.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let output = sladesk()
        .arg("import")
        .arg(&file)
        .args(target(&db))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for (line, words) in [
        (5, "not a JSON object"),
        (6, "unknown kind `teleport`"),
        (7, "email"),
        (8, "field `created_at`"),
        (9, "cannot move from new to waiting_for_development"),
        (10, "before the ticket was created"),
        (11, "names p-unknown"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("line {line}: ")) && l.contains(words)),
            "line {line} ({words}) in:\n{stderr}"
        );
    }
    assert!(!stderr.contains("line 12:"), "{stderr}");
    assert!(
        stderr.contains("7 bad lines; nothing was imported"),
        "{stderr}"
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM tickets").await, 0);
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM organizations").await,
        0
    );

    // In Dutch, for a Dutch shell.
    let output = sladesk()
        .env("LC_ALL", "nl_NL.UTF-8")
        .arg("import")
        .arg(&file)
        .args(target(&db))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("regel 9: gebeurtenis 3"), "{stderr}");

    // --skip-invalid: the rest is imported, the refused lines are kept as they were.
    let refused = dir.join("refused.jsonl");
    let output = sladesk()
        .arg("import")
        .arg(&file)
        .args(["--skip-invalid", "--refused"])
        .arg(&refused)
        .args(target(&db))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("7 lines refused"), "{stderr}");
    let kept: Vec<String> = std::fs::read_to_string(&refused)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(kept, bad.to_vec());
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM tickets").await, 1);
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM ticket_events").await,
        3
    );
}

/// `sladesk import` killed with SIGKILL while it writes, then run again: every ticket once.
async fn killed_halfway_and_run_again(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = work_dir("killed");
    let total = 60_000;
    let file = dir.join("big.jsonl");
    std::fs::write(&file, data_set(total)).unwrap();
    // Make the schema first, so that the poll below can count.
    let status = sladesk().arg("migrate").args(target(&db)).status().unwrap();
    assert!(status.success());
    let sqlite = backend == Backend::Sqlite;
    let schema = schema_of_tickets(&db.url).await;
    let mut child = sladesk()
        .arg("import")
        .arg(&file)
        .args(target(&db))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let written = "SELECT COUNT(*) FROM external_ids WHERE kind = 'ticket'";
    // Polled on a connection of its own: opening the store would make the indexes again.
    let at_kill = loop {
        let n = raw_count(&db.url, written).await;
        if n > 0 {
            child.kill().unwrap();
            child.wait().unwrap();
            break raw_count(&db.url, written).await;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it could be killed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert!(at_kill > 0 && at_kill < total as i64, "killed at {at_kill}");
    // 60,000 tickets into an empty desk: the indexes were set aside, and the kill left them
    // so; the next to open the store (`count` below) makes them again.
    assert!(raw_count(&db.url, "SELECT COUNT(*) FROM set_aside").await > 20);
    assert_ne!(schema_of_tickets(&db.url).await, schema);
    // What a batch writes lands whole: tickets, their events and their ids together.
    let tickets = count(&db.url, "SELECT COUNT(*) FROM tickets").await;
    assert_eq!(tickets, at_kill);
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM ticket_events").await,
        3 * tickets
    );
    assert_eq!(schema_of_tickets(&db.url).await, schema);
    assert_eq!(
        raw_count(&db.url, "SELECT COUNT(*) FROM set_aside").await,
        0
    );

    let output = sladesk()
        .arg("import")
        .arg(&file)
        .args(target(&db))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("ticket {at_kill}")), "{stderr}");
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM tickets").await,
        total as i64
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(DISTINCT subject) FROM tickets").await,
        total as i64
    );
    assert_eq!(
        count(&db.url, "SELECT COUNT(*) FROM ticket_events").await,
        3 * total as i64
    );
    tallies_as_the_view_counts(&db.url).await;
    assert_eq!(schema_of_tickets(&db.url).await, schema);
    if sqlite {
        // The search index, rebuilt at the end, holds every ticket.
        let searched = "SELECT COUNT(*) FROM tickets_fts WHERE tickets_fts MATCH 'stops'";
        assert_eq!(raw_count(&db.url, searched).await, total as i64);
    }
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) FROM users WHERE email = 'peter@initech.example'"
        )
        .await,
        1
    );
}

on_both_databases!(killed_halfway_and_run_again);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_file_of_tickets_is_imported_by_its_mapping_with_its_sla() {
    let db = Database::fresh(Backend::Sqlite).await;
    let dir = work_dir("csv");
    let csv = dir.join("tickets.csv");
    std::fs::write(
        &csv,
        "Ticket;Onderwerp;Klant;Aanvrager;Prio;Status;Aangemaakt;Eerste reactie;Gesloten\n\
         84512;Koppeling faalt;Initech;Peter@Initech.example;P1;Gesloten;02-03-2026 09:00;02-03-2026 09:30;02-03-2026 15:00\n\
         84513;Vraag over export;Initech;peter@initech.example;P3;Open;03-03-2026 10:00;;\n\
         84514;\"Rapport; leeg\";Globex;gus@globex.example;P2;Wacht op klant;03-03-2026 11:00;03-03-2026 11:10;\n\
         84515;Kapot;Globex;gus@globex.example;P9;Open;03-03-2026 12:00;;\n",
    )
    .unwrap();
    let map = dir.join("mapping.toml");
    std::fs::write(
        &map,
        r#"
[columns]
id = "Ticket"
subject = "Onderwerp"
organization = "Klant"
requester = "Aanvrager"
priority = "Prio"
status = "Status"
created_at = "Aangemaakt"
first_response_at = "Eerste reactie"
closed_at = "Gesloten"

[values.priority]
P1 = "high"
P2 = "normal"
P3 = "low"

[values.status]
Open = "new"
Gesloten = "closed"
"Wacht op klant" = "waiting_for_customer"

[defaults]
time_format = "%d-%m-%Y %H:%M"
delimiter = ";"
"#,
    )
    .unwrap();
    let run = |extra: &[&str]| {
        sladesk()
            .args(["import", "--csv", "--map"])
            .arg(&map)
            .arg(&csv)
            .args(extra)
            .args(target(&db))
            .output()
            .unwrap()
    };
    // Row 5 has a priority the mapping does not know: reported at its line, nothing imported.
    let output = run(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 5: field `Prio` (`P9`)"), "{stderr}");
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM tickets").await, 0);
    let refused = dir.join("refused.csv");
    let output = run(&["--skip-invalid", "--refused", refused.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM tickets").await, 3);

    let s = server_at(&db, dutch("2026-03-04T12:00:00")).await;
    let (_, found) = s.get(&s.admin, "/api/v1/tickets?q=84512").await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the old number finds it: {found}");
    let id = items[0]["id"].as_i64().unwrap();
    let (_, closed) = s
        .get(&s.admin, &format!("/api/v1/tickets/{id}?explain=true"))
        .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["priority"], "high");
    assert_eq!(closed["triaged"], true);
    // Filed 09:00 Dutch time, answered 09:30: half an hour of office time.
    assert_eq!(closed["sla"]["reaction"]["elapsed_seconds"], 1800);
    assert_eq!(closed["sla"]["reaction"]["breached"], false);
    // 09:00 to 15:00 within office hours: six hours of the high priority's eight.
    assert_eq!(closed["sla"]["resolution"]["elapsed_seconds"], 6 * 3600);
    let (_, waiting) = s.get(&s.admin, "/api/v1/tickets?q=Rapport").await;
    assert_eq!(waiting["items"][0]["status"], "waiting_for_customer");
    let (_, orgs) = s.get(&s.admin, "/api/v1/organizations").await;
    let names: Vec<&str> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{orgs}");
    // The same address in two cases is one person.
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) FROM users WHERE role = 'customer'"
        )
        .await,
        2
    );
    s.stop().await;
}

/// Validates every line of a data set against docs/exchange.schema.json with Python's
/// jsonschema (an implementation of JSON Schema that is not ours).
fn valid_by_the_schema(file: &Path) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/exchange.schema.json");
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        validator = jsonschema.Draft202012Validator(schema)\n\
        bad = 0\n\
        for number, line in enumerate(open(sys.argv[2]), 1):\n\
        \x20   for error in validator.iter_errors(json.loads(line)):\n\
        \x20       bad += 1\n\
        \x20       print(number, error.message[:300])\n\
        sys.exit(1 if bad else 0)\n";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_export_holds_nothing_of_another_organisation() {
    let db = Database::fresh(Backend::Sqlite).await;
    let s = server_at(&db, dutch("2026-03-02T08:45:00")).await;
    let (tickets, _) = rich_desk(&s).await;
    let (_, orgs) = s.get(&s.admin, "/api/v1/organizations").await;
    let acme = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Acme")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let dir = work_dir("customer");
    let file = dir.join("acme.jsonl");
    // The real command, while the server runs.
    let output = sladesk()
        .args(["export", "--organization", &acme.to_string(), "--out"])
        .arg(&file)
        .args(target(&db))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    for foreign in [
        "Globex",
        "gus@globex.example",
        "Report wrong",
        "It is urgent for us",
    ] {
        assert!(!text.contains(foreign), "{foreign} in:\n{text}");
    }
    for own in [
        "Acme",
        "ann@acme.example",
        "Connector fails",
        "Still failing",
    ] {
        assert!(text.contains(own), "{own} missing");
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds = |kind: &str| lines.iter().filter(|l| l["kind"] == kind).count();
    assert_eq!(kinds("organization"), 1);
    assert_eq!(kinds("ticket"), 2, "Acme's two tickets");
    // The staff its tickets name are there; the customers of others are not.
    assert!(text.contains("second@vendor.example"));
    valid_by_the_schema(&file);
    // The whole desk's export follows the schema too, and from stdout.
    let output = sladesk().arg("export").args(target(&db)).output().unwrap();
    assert!(output.status.success());
    let whole = dir.join("whole.jsonl");
    std::fs::write(&whole, &output.stdout).unwrap();
    valid_by_the_schema(&whole);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains(r#""kind":"ticket""#))
            .count(),
        tickets.len()
    );
    // An organisation the desk does not have: exit 2 with its reason.
    let output = sladesk()
        .args(["export", "--organization", "999"])
        .args(target(&db))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no organisation 999"));
    s.stop().await;
}
