//! Releases and rings (R1-R3, M1, G4) through the API, on SQLite and PostgreSQL, with the
//! server's clock set by the test: rings refused where the SLA says so, a rollout planned,
//! started twice, paused and resumed, finished batch by batch, its update windows counted as
//! maintenance, a customer seeing only its own windows (also in its calendar), and the
//! monthly newsletter (R4) through a real SMTP process, once, without the QaaS-only notes.

mod common;

use common::{
    Backend, Database, Server, SmtpServer, dutch, free_port, maildir, test_config, with_smtp,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;

on_both_databases!(
    a_rollout_from_rings_to_done,
    a_week_that_cannot_hold_the_rollout_is_refused_with_what_would_fit,
    the_newsletter_goes_out_once_in_each_language_without_early_notes,
);

async fn component(s: &Server, name: &str, organization: Option<i64>) -> i64 {
    let (status, c) = s
        .post(
            &s.admin,
            "/api/v1/components",
            json!({"name": name, "production": true, "organization_id": organization}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

async fn put(s: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    s.call(Some(&s.admin), reqwest::Method::PUT, path, Some(body))
        .await
}

fn notes() -> Value {
    json!([
        {"kind": "new", "en": "Connector for Exact Online", "nl": "Connector voor Exact Online"},
        {"kind": "fixed", "en": "Mapping of dates", "nl": "Mapping van datums"},
        {"kind": "new", "en": "AI mapping (trial)", "nl": "AI-mapping (proef)", "ring": "early_access"}
    ])
}

async fn a_rollout_from_rings_to_done(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start_with_clock(
        test_config(&db.url),
        Clock::manual(dutch("2026-02-20T10:00")),
    )
    .await;
    let acme = s.organization_of_tier("Acme", "support").await;
    let qorp = s.organization_of_tier("Qorp", "qaas").await;
    let platform = component(&s, "Platform", None).await;
    let acme_prod = component(&s, "Acme production", Some(acme)).await;
    let acme_spare = component(&s, "Acme spare", Some(acme)).await;
    let qorp_prod = component(&s, "Qorp production", Some(qorp)).await;
    let qorp_test = component(&s, "Qorp test", Some(qorp)).await;

    // R2, G4: Early Access and Preview are for QaaS only; the platform has no ring.
    let (status, problem) = put(
        &s,
        &format!("/api/v1/components/{acme_prod}/ring"),
        json!({"ring": "early_access"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("QaaS"),
        "{problem}"
    );
    let (status, _) = put(
        &s,
        &format!("/api/v1/components/{platform}/ring"),
        json!({"ring": "broad"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = put(
        &s,
        &format!("/api/v1/components/{acme_prod}/ring"),
        json!({"ring": "sometimes"}),
    )
    .await;
    assert!(status.is_client_error());
    for (id, ring) in [
        (acme_prod, "broad"),
        (qorp_prod, "early_access"),
        (qorp_test, "targeted"),
    ] {
        let (status, tenant) = put(
            &s,
            &format!("/api/v1/components/{id}/ring"),
            json!({"ring": ring}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{tenant}");
        assert_eq!(tenant["ring"], ring);
    }
    let (_, rings) = s.get(&s.admin, "/api/v1/rings").await;
    let rings = rings.as_array().unwrap();
    assert_eq!(
        rings.len(),
        4,
        "the four customer instances, not the platform"
    );
    assert!(
        rings
            .iter()
            .any(|t| t["component_id"] == acme_spare && t["ring"].is_null())
    );
    let customer = s
        .token("anna@acme.example", Role::Customer, Some(acme))
        .await;
    assert_eq!(
        s.get(&customer, "/api/v1/rings").await.0,
        StatusCode::FORBIDDEN
    );
    // The assignment is audited.
    let (_, audit) = s.get(&s.admin, "/api/v1/audit").await;
    assert!(audit.to_string().contains("ring.assign"), "{audit}");

    // R1, R3: a release planned on the next first Monday (2 March 2026).
    let (status, release) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.03", "notes": notes()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{release}");
    assert_eq!(release["planned_start"], "2026-03-02");
    assert_eq!(release["state"], "planned");
    let id = release["id"].as_i64().unwrap();
    let (status, _) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.03", "notes": notes()}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.04", "notes": [{"kind": "new", "en": "Only English", "nl": " "}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .post(
            &customer,
            "/api/v1/releases",
            json!({"version": "2026.05", "notes": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The plan: Early Access on Monday evening, Targeted on Tuesday, Broad from Wednesday;
    // the spare instance in no ring is listed, not skipped.
    let (status, plan) = s
        .get(&s.admin, &format!("/api/v1/releases/{id}/plan"))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["without_ring"], json!([acme_spare]));
    let batches = plan["plan"]["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 3, "{plan}");
    assert_eq!(batches[0]["ring"], "early_access");
    assert_eq!(batches[0]["tenant_ids"], json!([qorp_prod]));
    assert_eq!(
        batches[0]["starts_at"].as_str().unwrap(),
        dutch("2026-03-02T18:00").to_string()
    );
    assert_eq!(batches[1]["ring"], "targeted");
    assert_eq!(
        batches[1]["starts_at"].as_str().unwrap(),
        dutch("2026-03-03T18:00").to_string()
    );
    assert_eq!(batches[2]["ring"], "broad");
    assert_eq!(batches[2]["tenant_ids"], json!([acme_prod]));

    // Started twice (as from two replicas): one set of batches and windows.
    s.desk().clock.set(dutch("2026-03-02T09:00")).unwrap();
    let (status, first) = s
        .post(&s.admin, &format!("/api/v1/releases/{id}/start"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["state"], "rolling_out");
    let (status, again) = s
        .post(&s.admin, &format!("/api/v1/releases/{id}/start"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["batches"], first["batches"]);
    assert_eq!(again["windows"].as_array().unwrap().len(), 3);
    // The public status page tells of the rollout in sum, naming no customer or instance.
    let page = common::page_text(&s.client, format!("{}/status.json", s.base)).await;
    let status_page: Value = serde_json::from_str(&page).unwrap();
    let rollouts = status_page["rollouts"].as_array().unwrap();
    assert_eq!(rollouts.len(), 1, "{page}");
    assert_eq!(rollouts[0]["version"], "2026.03");
    assert_eq!(rollouts[0]["state"], "rolling_out");
    assert_eq!(rollouts[0]["instances"], 3);
    assert!(rollouts[0]["first_window_at"].is_string(), "{page}");
    assert!(!page.contains("Acme") && !page.contains("Qorp"), "{page}");
    let html = common::page_text(&s.client, format!("{}/status?lang=en", s.base)).await;
    assert!(
        html.contains("Release 2026.03</strong> (rolling out)"),
        "{html}"
    );
    assert!(
        html.contains("3 instances updated one batch at a time"),
        "{html}"
    );
    // Postponing a started release is refused.
    let (status, _) = s
        .post(
            &s.admin,
            &format!("/api/v1/releases/{id}/postpone"),
            json!({"planned_start": "2026-03-09", "reason": "late"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // M1: Acme's update window is maintenance; an outage inside it is not downtime.
    let window = again["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["component_id"] == acme_prod)
        .unwrap()
        .clone();
    let (start, end) = (
        window["starts_at"].as_i64().unwrap(),
        window["ends_at"].as_i64().unwrap(),
    );
    {
        // What the monitors would record during the update (mocked: no monitor probes here).
        let mut tx = s.desk().store.write().await.unwrap();
        sqlx::query("INSERT INTO outages (component_id, started_at, ended_at) VALUES ($1, $2, $3)")
            .bind(acme_prod)
            .bind(start + 60)
            .bind(end - 60)
            .execute(&mut **tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    s.desk().clock.set(dutch("2026-04-01T09:00")).unwrap();
    let (status, report) = s
        .get(
            &s.admin,
            &format!("/api/v1/availability?component={acme_prod}&month=2026-03"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["downtime_seconds"], 0, "{report}");
    assert_eq!(report["intervals"][0]["counted"], false, "{report}");
    s.desk().clock.set(dutch("2026-03-02T09:00")).unwrap();

    // A customer sees its own instances' windows only.
    let (status, windows) = s.get(&customer, "/api/v1/update-windows").await;
    assert_eq!(status, StatusCode::OK);
    let windows = windows.as_array().unwrap();
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert_eq!(windows[0]["component_id"], acme_prod);
    assert_eq!(
        s.get(
            &customer,
            &format!("/api/v1/update-windows?organization={qorp}")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, seen) = s.get(&customer, &format!("/api/v1/releases/{id}")).await;
    assert!(seen["batches"].as_array().unwrap().is_empty(), "{seen}");
    assert_eq!(seen["windows"].as_array().unwrap().len(), 1);

    // R3: the customer's calendar address lists its own instance's window only, to a calendar
    // app that does not sign in; another organisation's address is not the customer's to make.
    let (status, made) = s
        .post(
            &customer,
            &format!("/api/v1/organizations/{acme}/update-calendar"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let url = made["url"].as_str().unwrap().to_string();
    let path = &url[url.find("/calendars/").unwrap()..];
    let calendar = |path: String| {
        let client = s.client.clone();
        let base = s.base.clone();
        async move {
            let response = client.get(format!("{base}{path}")).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, ics) = calendar(path.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert!(ics.contains("BEGIN:VCALENDAR"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
    assert!(
        ics.contains("SUMMARY:Update 2026.03: Acme production"),
        "{ics}"
    );
    assert!(!ics.contains("Qorp"), "{ics}");
    assert_eq!(
        s.post(
            &customer,
            &format!("/api/v1/organizations/{qorp}/update-calendar"),
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // A new address ends the old one; a made-up one is not found.
    let (_, again) = s
        .post(
            &s.admin,
            &format!("/api/v1/organizations/{acme}/update-calendar"),
            json!({}),
        )
        .await;
    let new_url = again["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    assert_eq!(calendar(path.to_string()).await.0, StatusCode::NOT_FOUND);
    let new_path = &new_url[new_url.find("/calendars/").unwrap()..];
    assert_eq!(calendar(new_path.to_string()).await.0, StatusCode::OK);
    assert_eq!(
        calendar(format!("/calendars/updates/{}.ics", "0".repeat(64)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Paused: later batches wait; marking one is refused until it resumes.
    let (status, paused) = s
        .post(&s.admin, &format!("/api/v1/releases/{id}/pause"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(paused["state"], "paused");
    let batch = |n: i64, outcome: &str| {
        let s = &s;
        let outcome = outcome.to_string();
        async move {
            s.post(
                &s.admin,
                &format!("/api/v1/releases/{id}/batches/{n}"),
                json!({"outcome": outcome}),
            )
            .await
        }
    };
    assert_eq!(batch(1, "done").await.0, StatusCode::CONFLICT);
    let (status, resumed) = s
        .post(
            &s.admin,
            &format!("/api/v1/releases/{id}/resume"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resumed["state"], "rolling_out");
    let (status, after) = batch(1, "done").await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["batches"][0]["state"], "done");
    // A second mark (another replica, or a click twice) changes nothing.
    let (_, after) = batch(1, "failed").await;
    assert_eq!(after["batches"][0]["state"], "done");
    assert_eq!(batch(9, "done").await.0, StatusCode::NOT_FOUND);
    batch(2, "failed").await;
    let (_, done) = batch(3, "done").await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["batches"][1]["state"], "failed");

    // R3: a release starts on its day by itself (April's moved off Easter Monday).
    let (status, april) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.04", "planned_start": "2026-04-07", "notes": notes()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{april}");
    let april = april["id"].as_i64().unwrap();
    s.desk().clock.set(dutch("2026-04-06T12:00")).unwrap();
    assert_eq!(s.desk().start_due_rollouts().await.unwrap(), 0);
    s.desk().clock.set(dutch("2026-04-07T00:05")).unwrap();
    // The job may have been first; either way it started once.
    s.desk().start_due_rollouts().await.unwrap();
    let (_, started) = s.get(&s.admin, &format!("/api/v1/releases/{april}")).await;
    assert_eq!(started["state"], "rolling_out", "{started}");
    assert_eq!(started["batches"].as_array().unwrap().len(), 3);
    assert_eq!(
        started["batches"][0]["starts_at"],
        dutch("2026-04-07T18:00").as_second()
    );
}

async fn a_week_that_cannot_hold_the_rollout_is_refused_with_what_would_fit(backend: Backend) {
    let db = Database::fresh(backend).await;
    // One day of two evening slots, one update at a time: three Broad instances need two days.
    let path = std::env::temp_dir().join(format!(
        "sladesk-releases-{}-{:?}.toml",
        std::process::id(),
        backend
    ));
    std::fs::write(
        &path,
        "[releases]\nrollout_days = 1\nupdates_at_once = 1\nevening = \"18:00-19:00\"\n",
    )
    .unwrap();
    let mut config = test_config(&db.url);
    config.policy_file = Some(path);
    let s = Server::start_with_clock(config, Clock::manual(dutch("2026-02-20T10:00"))).await;
    let acme = s.organization_of_tier("Acme", "support").await;
    for n in 0..3 {
        let id = component(&s, &format!("Acme {n}"), Some(acme)).await;
        let (status, _) = put(
            &s,
            &format!("/api/v1/components/{id}/ring"),
            json!({"ring": "broad"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, release) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.03", "notes": notes()}),
        )
        .await;
    let id = release["id"].as_i64().unwrap();
    let (status, problem) = s
        .get(&s.admin, &format!("/api/v1/releases/{id}/plan"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    // Dutch is the test people's language: "met 2 tegelijk past het".
    assert!(detail.contains('2'), "{detail}");
    // Nothing was started, nothing stored.
    let (status, _) = s
        .post(&s.admin, &format!("/api/v1/releases/{id}/start"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, still) = s.get(&s.admin, &format!("/api/v1/releases/{id}")).await;
    assert_eq!(still["state"], "planned");
    assert!(still["batches"].as_array().unwrap().is_empty());
}

/// The first `http` link in a mail body that contains `path`.
fn link_in(body: &str, path: &str) -> String {
    body.split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in {body}"))
        .to_string()
}

async fn the_newsletter_goes_out_once_in_each_language_without_early_notes(backend: Backend) {
    let db = Database::fresh(backend).await;
    let smtp = SmtpServer::start_on(free_port(), &maildir(&db, "newsletter"));
    let s = Server::start_with_clock(
        with_smtp(test_config(&db.url), smtp.port),
        Clock::manual(dutch("2026-02-10T10:00")),
    )
    .await;
    let acme = s.organization_of_tier("Acme", "support").await;
    let acme_prod = component(&s, "Acme production", Some(acme)).await;
    put(
        &s,
        &format!("/api/v1/components/{acme_prod}/ring"),
        json!({"ring": "broad"}),
    )
    .await;

    // Someone subscribes on the status page, in Dutch (double opt-in), ...
    let visitor = common::browser();
    let status_page = common::page_text(&visitor, format!("{}/status?lang=nl", s.base)).await;
    let csrf = common::field(&status_page, "csrf");
    assert!(status_page.contains("Releasenieuwsbrief per e-mail"));
    let form = [
        ("email", "lezer@example.nl"),
        ("lang", "nl"),
        ("list", "releases"),
        ("csrf", &csrf),
    ];
    let asked = visitor
        .post(format!("{}/status/subscribe", s.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let mails = smtp
        .wait_for(15, "the confirmation mail", |m| {
            m.iter().any(|(to, _, _)| to.contains("lezer@"))
        })
        .await;
    let (_, subject, body) = mails
        .iter()
        .find(|(to, _, _)| to.contains("lezer@"))
        .unwrap();
    assert!(subject.contains("releasenieuwsbrief"), "{subject}");
    let confirm = link_in(body, "/status/confirm");
    assert!(confirm.ends_with("&list=releases"), "{confirm}");
    let confirmed = s.client.get(&confirm).send().await.unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(
        confirmed
            .text()
            .await
            .unwrap()
            .contains("maandelijkse releasenieuwsbrief")
    );
    // ... a status page subscriber does not get the newsletter (another list), and a customer
    // contact asks for it in the preferences, in English.
    s.token("kim@acme.example", Role::Customer, Some(acme))
        .await;
    {
        let mut tx = s.desk().store.write().await.unwrap();
        let kim: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'kim@acme.example'")
            .fetch_one(&mut **tx)
            .await
            .unwrap();
        let wants = sladesk::store::preferences::Preferences {
            mail_releases: true,
            ..Default::default()
        };
        sladesk::store::preferences::save_preferences(
            &mut tx,
            kim,
            sladesk_core::text::Language::En,
            &wants,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    // February's release rolled out and was done; March's is coming, with a note that only
    // Early Access sees yet.
    let (_, february) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.02", "planned_start": "2026-02-10",
                "notes": [{"kind": "fixed", "en": "Retry of failed calls", "nl": "Opnieuw proberen van mislukte aanroepen"}]}),
        )
        .await;
    let february = february["id"].as_i64().unwrap();
    s.post(
        &s.admin,
        &format!("/api/v1/releases/{february}/start"),
        json!({}),
    )
    .await;
    let (status, done) = s
        .post(
            &s.admin,
            &format!("/api/v1/releases/{february}/batches/1"),
            json!({"outcome": "done"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "done");
    let (status, march) = s
        .post(
            &s.admin,
            "/api/v1/releases",
            json!({"version": "2026.03", "notes": notes()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{march}");

    // Not yet: March's newsletter goes out two working days before Monday 2 March.
    assert_eq!(s.desk().send_due_newsletter().await.unwrap(), 0);
    s.desk().clock.set(dutch("2026-02-26T08:59")).unwrap();
    assert_eq!(s.desk().send_due_newsletter().await.unwrap(), 0);
    s.desk().clock.set(dutch("2026-02-26T09:00")).unwrap();
    // Two replicas at once (and the job): two mails in all, once.
    let (a, b) = tokio::join!(
        s.desk().send_due_newsletter(),
        s.desk().send_due_newsletter()
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(s.desk().send_due_newsletter().await.unwrap(), 0);
    let newsletters = |mails: &[(String, String, String)]| -> Vec<(String, String, String)> {
        mails
            .iter()
            .filter(|(_, subject, _)| {
                subject.starts_with("Release newsletter")
                    || subject.starts_with("Releasenieuwsbrief")
            })
            .cloned()
            .collect()
    };
    let mails = smtp
        .wait_for(15, "two newsletters", |m| newsletters(m).len() >= 2)
        .await;
    let mails = newsletters(&mails);
    assert_eq!(mails.len(), 2, "{mails:#?}");
    let dutch_mail = mails
        .iter()
        .find(|(to, _, _)| to.contains("lezer@"))
        .unwrap();
    assert_eq!(dutch_mail.1, "Releasenieuwsbrief maart 2026");
    assert!(
        dutch_mail.2.contains("Release 2026.03, vanaf 2026-03-02"),
        "{}",
        dutch_mail.2
    );
    assert!(
        dutch_mail.2.contains("- Connector voor Exact Online"),
        "{}",
        dutch_mail.2
    );
    assert!(dutch_mail.2.contains("UITGEBRACHT"), "{}", dutch_mail.2);
    assert!(
        dutch_mail
            .2
            .contains("Opnieuw proberen van mislukte aanroepen")
    );
    assert!(!dutch_mail.2.contains("AI-mapping"), "{}", dutch_mail.2);
    let unsubscribe = link_in(&dutch_mail.2, "/status/unsubscribe");
    let english = mails.iter().find(|(to, _, _)| to.contains("kim@")).unwrap();
    assert_eq!(english.1, "Release newsletter March 2026");
    assert!(
        english.2.contains("- Connector for Exact Online"),
        "{}",
        english.2
    );
    assert!(english.2.contains("- Mapping of dates"));
    assert!(!english.2.contains("AI mapping"), "{}", english.2);
    assert!(english.2.contains("/account"), "{}", english.2);

    // Unsubscribed, the reader is off the list.
    let gone = s.client.get(&unsubscribe).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::OK);
    let mut conn = s.desk().store.read().await.unwrap();
    let left = sladesk::store::notifications::confirmed_subscriptions(
        &mut conn,
        sladesk::store::notifications::MailingList::Releases,
    )
    .await
    .unwrap();
    assert!(left.is_empty(), "{left:?}");
}
