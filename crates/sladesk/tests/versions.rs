//! Versions of the SLA (G3) through the API, on SQLite and PostgreSQL: notice for material
//! changes, the announcement mail in each reader's language, which version measures a ticket,
//! the key-by-key diff, and notices of termination inside and after their window.

mod common;

use common::{
    Backend, Database, Server, SmtpServer, free_port, maildir, outbox, test_config, with_smtp,
};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;
use sladesk_core::text::Language;

on_both_databases!(
    versions_take_effect_with_notice_and_measure_new_tickets_only,
    a_policy_that_fails_the_cores_checks_is_refused_and_nothing_is_stored,
    an_excluded_stretch_is_left_out_of_the_clocks_and_shown_to_the_customer,
    a_guarantee_gives_credits_for_breached_tickets_up_to_the_cap,
);

const DAY: i64 = 86_400;

async fn server(backend: Backend) -> (Database, Server, Timestamp) {
    let db = Database::fresh(backend).await;
    let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let clock = sladesk::clock::Clock::manual(now);
    let server = Server::start_with_clock(test_config(&db.url), clock).await;
    (db, server, now)
}

/// Version `basis-2027` of the SLA: High tickets resolved in 6 office hours instead of 8.
fn new_version(effective_at: Timestamp, material: bool) -> Value {
    json!({
        "policy": "version = \"basis-2027\"\n[priorities.high]\nresolution = \"6h\"\n",
        "summary_en": "High tickets are resolved within 6 office hours.",
        "summary_nl": "Tickets met prioriteit Hoog worden binnen 6 kantooruren opgelost.",
        "effective_at": effective_at.to_string(),
        "material": material,
    })
}

async fn high_ticket(s: &Server, org: i64) -> Value {
    let body = json!({"organization_id": org, "type": "incident", "environment": "production",
        "product": "Qixium", "subject": "Orders stuck", "description": "Nothing moves.",
        "priority": "high"});
    let (status, ticket) = s.post(&s.admin, "/api/v1/tickets", body).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    ticket
}

async fn versions_take_effect_with_notice_and_measure_new_tickets_only(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "versions"));
    let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let clock = sladesk::clock::Clock::manual(now);
    let s = Server::start_with_clock(with_smtp(test_config(&db.url), smtp.port), clock).await;
    let acme = s.organization("Acme", None).await;
    let globex = s.organization("Globex", None).await;
    let anna = s
        .token_in(
            "anna@acme.example",
            Role::Customer,
            Some(acme),
            Language::Nl,
        )
        .await;
    let _ed = s
        .token_in("ed@acme.example", Role::Customer, Some(acme), Language::En)
        .await;
    let gus = s
        .token_in(
            "gus@globex.example",
            Role::Customer,
            Some(globex),
            Language::En,
        )
        .await;

    // The built-in policy is the first version, in force.
    let (_, versions) = s.get(&anna, "/api/v1/policies").await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "{versions}");
    assert_eq!(versions[0]["version"], "basis-2026-03-01");
    assert_eq!(versions[0]["in_force"], true);

    // A material change needs 30 days' notice: 29 is refused, with the earliest day.
    let early = now + SignedDuration::from_secs(29 * DAY);
    let (status, problem) = s
        .post(&s.admin, "/api/v1/policies", new_version(early, true))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("30"),
        "{problem}"
    );
    // Customers cannot publish.
    let effective = now + SignedDuration::from_secs(30 * DAY);
    let (status, _) = s
        .post(&gus, "/api/v1/policies", new_version(effective, true))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let before = high_ticket(&s, acme).await;
    let (status, published) = s
        .post(&s.admin, "/api/v1/policies", new_version(effective, true))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["in_force"], false);
    assert!(published["termination_until"].is_string(), "{published}");
    // The same version twice is refused.
    let (status, _) = s
        .post(&s.admin, "/api/v1/policies", new_version(effective, true))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Every customer contact hears of it, in their language, with the right to terminate:
    // delivered by the mailer to a real SMTP server.
    smtp.wait_for(20, "the announcements", |mails| {
        let to = |who: &str, words: &str| {
            mails
                .iter()
                .any(|(to, subject, _)| to.contains(who) && subject.contains(words))
        };
        to("anna@acme.example", "Nieuwe versie van de SLA")
            && to("ed@acme.example", "New version of the SLA")
            && to("gus@globex.example", "New version of the SLA")
    })
    .await;
    let mails = outbox(&db).await;
    let to = |who: &str| {
        mails
            .iter()
            .find(|(recipient, _, _)| recipient == who)
            .cloned()
            .unwrap_or_else(|| panic!("no mail to {who}: {mails:?}"))
    };
    let (_, subject, body) = to("anna@acme.example");
    assert!(
        subject.starts_with("Nieuwe versie van de SLA: basis-2027"),
        "{subject}"
    );
    assert!(
        body.contains("binnen 6 kantooruren") && body.contains("opzeggen tot"),
        "{body}"
    );
    let (_, subject, body) = to("ed@acme.example");
    assert!(
        subject.starts_with("New version of the SLA: basis-2027"),
        "{subject}"
    );
    assert!(
        body.contains("within 6 office hours") && body.contains("terminate"),
        "{body}"
    );
    assert!(body.contains("/policies/basis-2027"), "{body}");

    // The diff names the changed keys with both values.
    let (_, diff) = s.get(&anna, "/api/v1/policies/basis-2027/diff").await;
    assert_eq!(diff["against"], "basis-2026-03-01");
    let changes = diff["changes"].as_array().unwrap();
    let resolution = changes
        .iter()
        .find(|c| c["key"] == "priorities.high.resolution")
        .expect("the changed target");
    assert_eq!(
        (resolution["old"].as_str(), resolution["new"].as_str()),
        (Some("\"8h\""), Some("\"6h\""))
    );
    assert!(changes.iter().any(|c| c["key"] == "version"));

    // A customer records a termination within the window; twice is refused.
    let (status, notice) = s
        .post(
            &anna,
            "/api/v1/policies/basis-2027/terminations",
            json!({"note": "Too strict for us."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    assert_eq!(notice["organization_id"], acme);
    let (status, _) = s
        .post(&anna, "/api/v1/policies/basis-2027/terminations", json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Staff see every notice; a customer only their own organisation's.
    let (_, seen) = s
        .get(&s.admin, "/api/v1/policies/basis-2027/terminations")
        .await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    let (_, seen) = s
        .get(&gus, "/api/v1/policies/basis-2027/terminations")
        .await;
    assert_eq!(seen.as_array().unwrap().len(), 0);

    // Past the effective moment: the old ticket keeps the old targets, a new one gets the new.
    s.advance(SignedDuration::from_secs(31 * DAY));
    let (_, versions) = s.get(&anna, "/api/v1/policies").await;
    let in_force: Vec<&Value> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["in_force"] == true)
        .collect();
    assert_eq!(in_force.len(), 1);
    assert_eq!(in_force[0]["version"], "basis-2027");
    let id = before["id"].as_i64().unwrap();
    let (_, old) = s.get(&s.admin, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(old["policy_version"], "basis-2026-03-01");
    assert_eq!(old["sla"]["resolution"]["target_seconds"], 8 * 3600);
    let after = high_ticket(&s, acme).await;
    assert_eq!(after["policy_version"], "basis-2027");
    assert_eq!(after["sla"]["resolution"]["target_seconds"], 6 * 3600);

    // After the window (30 days from the announcement) a notice is refused, naming the day.
    let (status, problem) = s
        .post(&gus, "/api/v1/policies/basis-2027/terminations", json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("2026-12-31"),
        "{problem}"
    );

    // A non-material change may take effect at once, and gives no right to terminate.
    let now = Timestamp::now().max(now + SignedDuration::from_secs(31 * DAY));
    let mut minor = new_version(now + SignedDuration::from_secs(60), false);
    minor["policy"] = json!("version = \"basis-2027.1\"\n[priorities.high]\nresolution = \"6h\"\n");
    let (status, published) = s.post(&s.admin, "/api/v1/policies", minor).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["termination_until"], Value::Null);
    let (status, _) = s
        .post(
            &gus,
            "/api/v1/policies/basis-2027.1/terminations",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    s.stop().await;
    smtp.stop();
}

/// S5: staff leave a stretch out of a ticket's clocks; the elapsed time drops by exactly its
/// office hours, `?explain=true` names it, and the customer sees it with its reason.
async fn an_excluded_stretch_is_left_out_of_the_clocks_and_shown_to_the_customer(backend: Backend) {
    let db = Database::fresh(backend).await;
    // Monday 20 April 2026, 09:00 Dutch time.
    let start: Timestamp = "2026-04-20T07:00:00Z".parse().unwrap();
    let clock = sladesk::clock::Clock::manual(start);
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    let acme = s.organization("Acme", None).await;
    let kim = s
        .token_in("kim@acme.example", Role::Customer, Some(acme), Language::En)
        .await;
    let ticket = high_ticket(&s, acme).await;
    let id = ticket["id"].as_i64().unwrap();
    let (status, _) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "in_progress"}),
        )
        .await;
    assert!(status.is_success());
    // To 13:00: four office hours.
    s.advance(SignedDuration::from_hours(4));
    let (_, before) = s.get(&s.admin, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(before["sla"]["resolution"]["elapsed_seconds"], 4 * 3600);
    let exclusion = json!({"starts_at": "2026-04-20T08:00:00Z", "ends_at": "2026-04-20T09:30:00Z",
        "category": "third_party", "reason": "The hosting provider's network was down."});
    // Customers cannot; a stretch after now cannot.
    let (status, _) = s
        .post(
            &kim,
            &format!("/api/v1/tickets/{id}/exclusions"),
            exclusion.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut future = exclusion.clone();
    future["ends_at"] = json!("2026-04-20T12:00:00Z");
    let (status, _) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/exclusions"),
            future,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, after) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/exclusions"),
            exclusion,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    // 10:00-11:30 Dutch time: one and a half office hours.
    assert_eq!(
        after["sla"]["resolution"]["elapsed_seconds"],
        4 * 3600 - 5400
    );
    assert_eq!(after["sla"]["reaction"]["elapsed_seconds"], 4 * 3600 - 5400);
    // A list of tickets counts the same as the ticket itself.
    let (_, listed) = s.get(&s.admin, "/api/v1/tickets").await;
    let row = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .expect("the ticket is listed");
    assert_eq!(row["sla"]["resolution"]["elapsed_seconds"], 4 * 3600 - 5400);
    let (_, explained) = s
        .get(&s.admin, &format!("/api/v1/tickets/{id}?explain=true"))
        .await;
    let intervals = explained["sla"]["resolution"]["intervals"]
        .as_array()
        .unwrap();
    let left_out: Vec<&Value> = intervals
        .iter()
        .filter(|i| i["excluded"] == "third_party")
        .collect();
    assert_eq!(left_out.len(), 1, "{intervals:?}");
    assert_eq!(left_out[0]["business_seconds"], 5400);
    assert_eq!(explained["policy_version"], "basis-2026-03-01");
    // The customer sees it in the ticket's history, with the reason.
    let (_, events) = s.get(&kim, &format!("/api/v1/tickets/{id}/events")).await;
    let seen = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "exclusion")
        .expect("the exclusion is public");
    assert_eq!(seen["data"]["category"], "third_party");
    assert_eq!(seen["body"], "The hosting provider's network was down.");
    s.stop().await;
}

/// G2, S5: a contract turns High resolution into a guarantee (5 % of the fee per breached
/// ticket, at most 200 EUR a month); a month with two breached High tickets owes 2 × 125 EUR,
/// credited 200 EUR.
async fn a_guarantee_gives_credits_for_breached_tickets_up_to_the_cap(backend: Backend) {
    let db = Database::fresh(backend).await;
    // Monday 6 April 2026 is Easter Monday; Tuesday 7 April, 09:00 Dutch time.
    let start: Timestamp = "2026-04-07T07:00:00Z".parse().unwrap();
    let clock = sladesk::clock::Clock::manual(start);
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    let acme = s.organization("Acme", None).await;
    let other = s.organization("Globex", None).await;
    let terms = json!({"monthly_fee_cents": 250_000, "currency": "EUR", "monthly_cap_cents": 20_000,
        "guarantees": [{"kind": "per_ticket", "priority": "high", "clock": "resolution",
                        "credit": {"fee_basis_points": 500}}]});
    let (status, bad) = s
        .patch(
            &s.admin,
            &format!("/api/v1/organizations/{acme}"),
            json!({"terms": {"monthly_fee_cents": -1, "currency": "EUR"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (status, org) = s
        .patch(
            &s.admin,
            &format!("/api/v1/organizations/{acme}"),
            json!({"terms": terms}),
        )
        .await;
    assert!(status.is_success(), "{org}");
    let late = [high_ticket(&s, acme).await, high_ticket(&s, acme).await];
    let quick = high_ticket(&s, acme).await;
    let id = quick["id"].as_i64().unwrap();
    for to in ["in_progress", "closed"] {
        let (status, _) = s
            .post(
                &s.admin,
                &format!("/api/v1/tickets/{id}/transitions"),
                json!({"status": to}),
            )
            .await;
        assert!(status.is_success());
    }
    // A week later all three are well past 8 office hours; only the two open ones breached.
    s.advance(SignedDuration::from_hours(24 * 7));
    let (status, credits) = s
        .get(
            &s.admin,
            &format!("/api/v1/organizations/{acme}/credits?month=2026-04"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{credits}");
    let statement = &credits["statement"];
    let tickets: Vec<&Value> = statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["ticket_id"])
        .collect();
    assert_eq!(tickets, [&late[0]["id"], &late[1]["id"]]);
    assert_eq!(statement["owed_cents"], 25_000);
    assert_eq!(statement["credited_cents"], 20_000);
    assert_eq!(statement["capped"], true);
    assert_eq!(statement["currency"], "EUR");
    // As CSV, for the invoice run.
    let csv = s
        .client
        .get(format!(
            "{}/api/v1/organizations/{acme}/credits?month=2026-04&format=csv",
            s.base
        ))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("organization_id,month,guarantee,ticket_id,figure,cents,currency\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{acme},2026-04,credited,,,20000,EUR")),
        "{csv}"
    );
    // The customer sees their own; another organisation's customer does not.
    let kim = s
        .token_in("kim@acme.example", Role::Customer, Some(acme), Language::En)
        .await;
    let gus = s
        .token_in(
            "gus@globex.example",
            Role::Customer,
            Some(other),
            Language::En,
        )
        .await;
    let (status, _) = s
        .get(
            &kim,
            &format!("/api/v1/organizations/{acme}/credits?month=2026-04"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // And on the portal's page, in their language, with the tickets behind each credit.
    s.desk()
        .set_password("kim@acme.example", "correct horse battery staple 42")
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed = common::sign_in_attempt(
        &browser,
        &s.base,
        "kim@acme.example",
        "correct horse battery staple 42",
        None,
    )
    .await;
    assert!(signed.status().is_success() || signed.status().is_redirection());
    let page = common::page_text(&browser, format!("{}/credits?month=2026-04", s.base)).await;
    assert!(page.contains("Credited: 200.00 EUR"), "{page}");
    assert!(page.contains("at most the monthly cap"), "{page}");
    let number = sladesk::domain::ticket_number(late[0]["id"].as_i64().unwrap());
    assert!(page.contains(&number), "{page}");
    let (status, _) = s
        .get(
            &gus,
            &format!("/api/v1/organizations/{acme}/credits?month=2026-04"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A contract without guarantees is owed nothing (S5: service levels).
    let (_, none) = s
        .get(
            &s.admin,
            &format!("/api/v1/organizations/{other}/credits?month=2026-04"),
        )
        .await;
    assert_eq!(none["statement"]["credited_cents"], 0);
    s.stop().await;
}

async fn a_policy_that_fails_the_cores_checks_is_refused_and_nothing_is_stored(backend: Backend) {
    let (_db, s, now) = server(backend).await;
    let effective = now + SignedDuration::from_secs(DAY);
    let cases = [
        (
            "version = \"x\"\n[priorities.high]\nresolution = \"soon\"\n",
            "priorities.high.resolution",
        ),
        (
            "version = \"x\"\n[auto_close]\nworking_days = 0\n",
            "auto_close.working_days",
        ),
        ("version = [", "TOML"),
        ("version = \"a b/c\"\n", "a b/c"),
    ];
    for (policy, named) in cases {
        let mut body = new_version(effective, false);
        body["policy"] = json!(policy);
        let (status, problem) = s.post(&s.admin, "/api/v1/policies", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let detail = problem["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(named) || named == "TOML", "{detail}");
    }
    // In the past: refused.
    let past = new_version(now - SignedDuration::from_secs(DAY), false);
    let (status, _) = s.post(&s.admin, "/api/v1/policies", past).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, versions) = s.get(&s.admin, "/api/v1/policies").await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "{versions}");
    s.stop().await;
}
