//! Monitoring, outages, maintenance windows and the availability report, against real HTTP
//! and TCP servers on loopback that the test switches off and on, on both databases.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Backend, Database, Server, eventually, test_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;

on_both_databases!(
    an_outage_is_detected_ticketed_and_closed,
    two_replicas_check_once_per_interval,
    maintenance_windows_follow_m1_and_m2,
    a_silent_agent_is_unreachable,
);

/// A real HTTP server on `addr` answering `GET /health` with "all good", counting requests.
struct Target {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Target {
    async fn start(addr: SocketAddr, hits: Arc<AtomicUsize>) -> Target {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counter = hits.clone();
        let app = axum::Router::new().route(
            "/health",
            axum::routing::get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { "all good" }
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Target {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

async fn server_with_policy(db: &Database, policy: &str) -> Server {
    server_with_policy_and_clock(db, policy, Clock::system()).await
}

async fn server_with_policy_and_clock(db: &Database, policy: &str, clock: Clock) -> Server {
    let path = std::env::temp_dir().join(format!(
        "sladesk-policy-{}-{:?}-{}.toml",
        std::process::id(),
        db.backend,
        policy.len()
    ));
    std::fs::write(&path, policy).unwrap();
    let mut config = test_config(&db.url);
    config.policy_file = Some(path);
    Server::start_with_clock(config, clock).await
}

async fn component(s: &Server, token: &str, name: &str, production: bool) -> i64 {
    let (status, c) = s
        .post(
            token,
            "/api/v1/components",
            json!({"name": name, "production": production}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

async fn state_of(s: &Server, token: &str, id: i64) -> Value {
    let (_, list) = s.get(token, "/api/v1/components").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

async fn an_outage_is_detected_ticketed_and_closed(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = server_with_policy(&db, "[availability]\nfailures_to_confirm = 2\n").await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let hits = Arc::new(AtomicUsize::new(0));
    let mut target = Target::start("127.0.0.1:0".parse().unwrap(), hits.clone()).await;
    let id = component(&s, &saas, "Production platform", true).await;
    let url = format!("http://{}/health", target.addr);
    let (status, m) = s.post(&saas, &format!("/api/v1/components/{id}/monitors"), json!({"kind": "http", "target": url, "interval_seconds": 1, "timeout_ms": 500, "body_contains": "good"})).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    // A second monitor: TCP on the same server. Down means all monitors fail.
    let (status, _) = s.post(&saas, &format!("/api/v1/components/{id}/monitors"), json!({"kind": "tcp", "target": target.addr.to_string(), "interval_seconds": 1, "timeout_ms": 500})).await;
    assert_eq!(status, StatusCode::CREATED);

    eventually(10, "the first checks", || async {
        (hits.load(Ordering::SeqCst) >= 2).then_some(())
    })
    .await;
    assert_eq!(state_of(&s, &saas, id).await["state"], "up");

    // Switch the target off: confirmed after two failed checks of both monitors.
    target.stop().await;
    let down = eventually(15, "the component to go down", || async {
        let c = state_of(&s, &saas, id).await;
        (c["state"] == "down").then_some(c)
    })
    .await;
    assert!(
        down["monitors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["failing"] == true && m["last_error"].is_string())
    );

    // S3: a saas_outage ticket, opened by monitoring.
    let (_, tickets) = s.get(&agent, "/api/v1/tickets?priority=saas_outage").await;
    let items = tickets["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{tickets}");
    assert_eq!(items[0]["sla"]["reaction"]["target_seconds"], 900);
    assert!(
        items[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Production platform")
    );

    // Back on (same port): up again, the outage closed.
    let _target = Target::start(target.addr, hits.clone()).await;
    eventually(15, "the component to recover", || async {
        (state_of(&s, &saas, id).await["state"] == "up").then_some(())
    })
    .await;

    // The SaaS team posts progress; the public status page shows it, in both languages.
    let (_, outages) = s.get(&saas, "/api/v1/outages").await;
    let outage = outages.as_array().unwrap()[0].clone();
    assert!(
        outage["ended_at"].is_string() && outage["ticket_id"].is_i64(),
        "{outage}"
    );
    let (status, _) = s
        .post(
            &agent,
            &format!("/api/v1/outages/{}/updates", outage["id"]),
            json!({"message": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .post(
            &saas,
            &format!("/api/v1/outages/{}/updates", outage["id"]),
            json!({"message": "Database failover <b>done</b>"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let english = s
        .client
        .get(format!("{}/status", s.base))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), StatusCode::OK);
    let english = english.text().await.unwrap();
    assert!(
        english.contains("Production platform")
            && english.contains("Incidents")
            && english.contains("Operational"),
        "{english}"
    );
    assert!(
        english.contains("Database failover &lt;b&gt;done") && !english.contains("<b>done"),
        "updates are escaped: {english}"
    );
    assert_eq!(english.matches("<rect ").count(), 90);
    let dutch = s
        .client
        .get(format!("{}/status", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dutch.contains("Storingen")
            && dutch.contains("Beschikbaar")
            && dutch.contains("lang=\"nl\"")
    );
    let (status, page) = s
        .call(None, reqwest::Method::GET, "/status.json", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["components"][0]["days"].as_array().unwrap().len(), 90);
    assert_eq!(
        page["incidents"][0]["updates"][0]["message"],
        "Database failover <b>done</b>"
    );

    // The month's report shows the outage, too short (seconds) to be downtime.
    let month = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
        .strftime("%Y-%m")
        .to_string();
    let (status, report) = s
        .get(
            &saas,
            &format!("/api/v1/availability?component={id}&month={month}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let intervals = report["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 1, "{report}");
    assert_eq!(intervals[0]["counted"], false);
    assert!(
        intervals[0]["why"]
            .as_str()
            .unwrap()
            .contains("shorter than 5 min")
    );
    assert_eq!(report["downtime_seconds"], 0);
    assert_eq!(report["target_met"], true);

    // An exclusion recorded by the SaaS team is audited; the first line may not record one.
    let now = jiff::Timestamp::now();
    let body = json!({"component_id": id, "starts_at": (now - jiff::SignedDuration::from_hours(1)).to_string(), "ends_at": now.to_string(), "category": "third_party", "reason": "hosting provider"});
    let (status, _) = s
        .post(&agent, "/api/v1/availability/exclusions", body.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, row) = s.post(&saas, "/api/v1/availability/exclusions", body).await;
    assert_eq!(status, StatusCode::CREATED, "{row}");
    let (_, audit) = s.get(&s.admin, "/api/v1/audit").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "availability.exclude")
    );
    let (status, _) = s
        .get(
            &saas,
            &format!("/api/v1/availability?component={id}&month=2026-13"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    s.stop().await;
}

async fn two_replicas_check_once_per_interval(backend: Backend) {
    let db = Database::fresh(backend).await;
    // Both replicas read one clock, which the test moves a second at a time.
    let clock = Clock::manual(jiff::Timestamp::now());
    let one = Server::start_with_clock(test_config(&db.url), clock.clone()).await;
    let two = Server::start_with_clock(test_config(&db.url), clock.clone()).await;
    let saas = one.token("ops@vendor.example", Role::SaasTeam, None).await;
    let hits = Arc::new(AtomicUsize::new(0));
    let mut target = Target::start("127.0.0.1:0".parse().unwrap(), hits.clone()).await;
    let id = component(&one, &saas, "Acceptance platform", false).await;
    let (_, monitor) = one.post(&saas, &format!("/api/v1/components/{id}/monitors"), json!({"kind": "http", "target": format!("http://{}/health", target.addr), "interval_seconds": 1})).await;
    let monitor = monitor["id"].as_i64().unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for second in 1..=5 {
        // The check of this second happens once, and then nothing is due or under way: no
        // replica can check again before the clock moves on.
        eventually(20, "the check of this second", || async {
            (hits.load(Ordering::SeqCst) >= second).then_some(())
        })
        .await;
        eventually(20, "the check to be recorded", || async {
            let (next, lease): (i64, Option<i64>) =
                sqlx::query_as("SELECT next_check_at, lease_until FROM monitors WHERE id = $1")
                    .bind(monitor)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            (next > clock.now().as_second() && lease.is_none()).then_some(())
        })
        .await;
        assert_eq!(
            hits.load(Ordering::SeqCst),
            second,
            "one check a second in all"
        );
        one.advance(jiff::SignedDuration::from_secs(1));
    }
    target.stop().await;
    two.stop().await;
    one.stop().await;
}

async fn maintenance_windows_follow_m1_and_m2(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let id = component(&s, &saas, "Production platform", true).await;
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
    let day = |days: i64, hour: i8| {
        let date = jiff::Timestamp::now()
            .to_zoned_datetime(tz.clone())
            .date()
            .checked_add(jiff::Span::new().days(days))
            .unwrap();
        date.at(hour, 0, 0, 0)
            .to_zoned_datetime(tz.clone())
            .unwrap()
            .timestamp()
            .to_string()
    };
    let window = |start: String, end: String, emergency: bool| json!({"component_id": id, "starts_at": start, "ends_at": end, "emergency": emergency, "work": "Database upgrade", "impact": "Platform unavailable up to 30 minutes"});

    // Too short notice for regular maintenance.
    let (status, problem) = s
        .post(
            &saas,
            "/api/v1/maintenance-windows",
            window(day(3, 19), day(3, 20), false),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The SaaS team member reads Dutch (the default), so the refusal is in Dutch.
    assert!(
        problem["detail"].as_str().unwrap().contains("7 dagen"),
        "{problem}"
    );
    // With notice, in the evening: fine, no warnings.
    let (status, ok) = s
        .post(
            &saas,
            "/api/v1/maintenance-windows",
            window(day(9, 19), day(9, 20), false),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    assert!(ok["warnings"].as_array().unwrap().is_empty());
    // In office hours: accepted with a warning.
    let (_, daytime) = s
        .post(
            &saas,
            "/api/v1/maintenance-windows",
            window(day(10, 10), day(10, 11), false),
        )
        .await;
    assert!(
        daytime["warnings"][0]
            .as_str()
            .unwrap()
            .contains("before 18:00"),
        "{daytime}"
    );
    // Emergency (M2): may start now.
    let now = jiff::Timestamp::now();
    let (status, emergency) = s
        .post(
            &saas,
            "/api/v1/maintenance-windows",
            window(
                now.to_string(),
                (now + jiff::SignedDuration::from_hours(1)).to_string(),
                true,
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{emergency}");
    // Nonsense is refused.
    let (status, _) = s
        .post(
            &saas,
            "/api/v1/maintenance-windows",
            window(day(9, 20), day(9, 19), false),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .post(
            &saas,
            &format!("/api/v1/components/{id}/monitors"),
            json!({"kind": "smtp", "target": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .post(
            &saas,
            &format!("/api/v1/components/{id}/monitors"),
            json!({"kind": "tcp", "target": "no-port"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.stop().await;
}

async fn a_silent_agent_is_unreachable(backend: Backend) {
    let db = Database::fresh(backend).await;
    let clock = Clock::manual(jiff::Timestamp::now());
    let s =
        server_with_policy_and_clock(&db, "[availability]\nfailures_to_confirm = 1\n", clock).await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let id = component(&s, &saas, "Customer agent", false).await;
    let (status, monitor) = s
        .post(
            &saas,
            &format!("/api/v1/components/{id}/monitors"),
            json!({"kind": "heartbeat", "interval_seconds": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{monitor}");
    let token = monitor["target"].as_str().unwrap().to_string();
    assert!(token.starts_with("hb_"));
    // The agent calls in (no API token needed: the URL's token is the secret).
    for _ in 0..6 {
        let (status, _) = s
            .call(
                None,
                reqwest::Method::POST,
                &format!("/api/v1/heartbeats/{token}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        s.advance(jiff::SignedDuration::from_secs(1));
    }
    assert_eq!(state_of(&s, &saas, id).await["state"], "up");
    let (status, _) = s
        .call(
            None,
            reqwest::Method::POST,
            "/api/v1/heartbeats/hb_unknown",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Then it stops: after an interval and the grace, it is unreachable.
    s.advance(jiff::SignedDuration::from_secs(10));
    let down = eventually(20, "the agent to be unreachable", || async {
        let c = state_of(&s, &saas, id).await;
        (c["state"] == "down").then_some(c)
    })
    .await;
    assert!(
        down["monitors"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("agent unreachable"),
        "{down}"
    );
    s.stop().await;
}
