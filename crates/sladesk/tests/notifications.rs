//! Status subscriptions (double opt-in), maintenance announcements, incident mails, outgoing
//! webhooks and resource warnings, with a real SMTP server and a real webhook receiver.

mod common;

use std::sync::{Arc, Mutex};

use common::{
    Backend, Database, Server, SmtpServer, eventually, free_port, maildir, test_config, with_smtp,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;

on_both_databases!(
    subscribers_confirm_then_hear_of_maintenance_and_incidents,
    resource_readings_warn_once_per_excursion
);

/// A real HTTP server that stores the JSON bodies POSTed to it.
async fn webhook_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            store.lock().unwrap().push(body);
            async { StatusCode::NO_CONTENT }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn link_in(body: &str, path: &str) -> String {
    let start = body
        .find(path)
        .unwrap_or_else(|| panic!("no {path} link in {body}"));
    let rest = &body[start..];
    rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_string()
}

async fn subscribers_confirm_then_hear_of_maintenance_and_incidents(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "subscribers");
    let smtp = SmtpServer::start_on(free_port(), &dir);
    let (hook_url, hooks) = webhook_receiver().await;
    let policy = std::env::temp_dir().join(format!(
        "sladesk-notify-policy-{}-{:?}.toml",
        std::process::id(),
        backend
    ));
    std::fs::write(&policy, "[availability]\nfailures_to_confirm = 1\n").unwrap();
    let mut config = with_smtp(test_config(&db.url), smtp.port);
    config.webhooks = vec![hook_url];
    config.policy_file = Some(policy);
    let s = Server::start(config).await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;

    // Subscribe (English) from the status page's form (with its CSRF token), follow the
    // mailed link.
    let visitor = common::browser();
    let status_page = visitor
        .get(format!("{}/status?lang=en", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::field(&status_page, "csrf");
    let form = [
        ("email", "watcher@customer.example"),
        ("lang", "en"),
        ("csrf", &csrf),
    ];
    let page = visitor
        .post(format!("{}/status/subscribe", s.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("confirm your subscription")
    );
    let mails = smtp
        .wait_for(15, "the confirmation mail", |m| {
            m.iter().any(|(to, _, _)| to.contains("watcher@"))
        })
        .await;
    // The watcher's mail: on the first working day of a month the admin's SLA report goes
    // out too.
    let (_, _, body) = mails
        .iter()
        .find(|(to, _, _)| to.contains("watcher@"))
        .unwrap();
    let confirm = link_in(body, "http://");
    assert!(
        confirm.starts_with(&s.base),
        "links point where the server listens: {confirm}"
    );
    let confirmed = s.client.get(&confirm).send().await.unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(confirmed.text().await.unwrap().contains("confirmed"));
    let bogus = s
        .client
        .get(format!("{}/status/confirm?token=nope", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);

    // A maintenance window is announced to the subscriber, with its work and impact.
    let (_, component) = s
        .post(
            &saas,
            "/api/v1/components",
            json!({"name": "Production platform", "production": true}),
        )
        .await;
    let id = component["id"].as_i64().unwrap();
    let starts = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 9);
    let (status, _) = s
        .post(&saas, "/api/v1/maintenance-windows", json!({"component_id": id, "starts_at": starts.to_string(), "ends_at": (starts + jiff::SignedDuration::from_hours(1)).to_string(), "work": "Database upgrade", "impact": "Read-only for 10 minutes"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mails = smtp
        .wait_for(15, "the announcement", |m| {
            m.iter().any(|(_, s, _)| s.contains("Planned maintenance"))
        })
        .await;
    let announcement = mails
        .iter()
        .find(|(_, s, _)| s.contains("Planned maintenance"))
        .unwrap();
    assert!(
        announcement.0.contains("watcher@")
            && announcement.2.contains("Database upgrade")
            && announcement.2.contains("Read-only for 10 minutes")
    );

    // The component goes down (nothing listens on the monitored port): webhook and incident mail.
    let closed = format!("127.0.0.1:{}", free_port());
    s.post(
        &saas,
        &format!("/api/v1/components/{id}/monitors"),
        json!({"kind": "tcp", "target": closed, "interval_seconds": 1, "timeout_ms": 300}),
    )
    .await;
    let event = eventually(15, "the webhook", || async {
        hooks.lock().unwrap().first().cloned()
    })
    .await;
    assert_eq!(event["event"], "component.down");
    assert_eq!(event["component"]["name"], "Production platform");
    smtp.wait_for(15, "the incident mail", |m| {
        m.iter().any(|(to, s, _)| {
            to.contains("watcher@") && s.contains("Incident: Production platform")
        })
    })
    .await;
    smtp.wait_for(15, "the SaaS team's alert", |m| {
        m.iter()
            .any(|(to, s, _)| to.contains("ops@") && s.contains("DOWN"))
    })
    .await;

    // The feeds carry the incident and the window.
    let atom = s
        .client
        .get(format!("{}/status/feed.atom?lang=en", s.base))
        .send()
        .await
        .unwrap();
    assert!(
        atom.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let atom = atom.text().await.unwrap();
    assert!(
        atom.contains("<feed")
            && atom.contains("Incident: Production platform is unavailable")
            && atom.contains("Maintenance: Production platform"),
        "{atom}"
    );
    let ics = s
        .client
        .get(format!("{}/status/maintenance.ics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ics.contains("BEGIN:VCALENDAR")
            && ics.contains("BEGIN:VEVENT")
            && ics.contains("Database upgrade"),
        "{ics}"
    );

    // Unsubscribing works once.
    let unsubscribe = link_in(&announcement.2, &format!("{}/status/unsubscribe", s.base));
    assert_eq!(
        s.client.get(&unsubscribe).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        s.client.get(&unsubscribe).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}

async fn resource_readings_warn_once_per_excursion(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "readings");
    let smtp = SmtpServer::start_on(free_port(), &dir);
    let s = Server::start(with_smtp(test_config(&db.url), smtp.port)).await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let (_, component) = s
        .post(&saas, "/api/v1/components", json!({"name": "Worker pool"}))
        .await;
    let path = format!("/api/v1/components/{}/readings", component["id"]);

    let (status, r) = s
        .post(
            &saas,
            &path,
            json!({"cpu_percent": 95.0, "disk_percent": 40.0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["warnings"].as_array().unwrap().len(), 1);
    s.post(&saas, &path, json!({"cpu_percent": 96.0})).await; // still high: no second mail
    s.post(&saas, &path, json!({"cpu_percent": 50.0})).await; // back to normal
    s.post(&saas, &path, json!({"cpu_percent": 97.0})).await; // a new excursion: a new mail
    let mails = smtp
        .wait_for(15, "two warnings", |m| {
            m.iter()
                .filter(|(_, s, _)| s.contains("WARNING: Worker pool cpu"))
                .count()
                >= 2
        })
        .await;
    assert_eq!(
        common::outbox(&db)
            .await
            .iter()
            .filter(|(_, s, _)| s.contains("WARNING"))
            .count(),
        2,
        "{mails:?}"
    );

    let (status, _) = s.post(&agent, &path, json!({"cpu_percent": 10.0})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.post(&saas, &path, json!({"cpu_percent": 150.0})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.post(&saas, &path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.stop().await;
}
