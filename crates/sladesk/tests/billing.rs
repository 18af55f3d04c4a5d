//! Consultancy and out-of-scope work (C1-C3, T3, T8) through the API, on SQLite and
//! PostgreSQL, with the server's clock set by the test: no billable time without an approved
//! proposal, approval bound to the text the customer read, blocks counted per engagement
//! across months, a closed month frozen with later changes as corrections, each customer
//! seeing only its own lines, the C3 notice (and an urgent repair's reason) mailed before
//! billing, and custom work without clocks.

mod common;

use common::{Backend, Database, Server, dutch, outbox, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;
use sladesk_core::text::Language;

on_both_databases!(
    consultancy_is_billed_only_after_approval_in_blocks_per_month,
    careless_use_is_told_before_billing_and_custom_work_has_no_clocks,
);

async fn ticket(s: &Server, token: &str, kind: &str, subject: &str) -> i64 {
    let (status, t) = s
        .post(
            token,
            "/api/v1/tickets",
            json!({"type": kind, "environment": "production", "product": "Qixium",
                   "subject": subject, "description": "details"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    t["id"].as_i64().unwrap()
}

fn refused(answer: &(StatusCode, Value), status: StatusCode, words: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert!(
        answer.1["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(words),
        "{words} not in {}",
        answer.1
    );
}

async fn book(s: &Server, token: &str, ticket: i64, body: Value) -> (StatusCode, Value) {
    s.post(token, &format!("/api/v1/tickets/{ticket}/time"), body)
        .await
}

async fn month(s: &Server, token: &str, month: &str) -> Value {
    let (status, billing) = s
        .get(token, &format!("/api/v1/billing?month={month}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{billing}");
    billing
}

async fn consultancy_is_billed_only_after_approval_in_blocks_per_month(backend: Backend) {
    let db = Database::fresh(backend).await;
    let clock = Clock::manual(dutch("2026-11-10T10:00"));
    let s = Server::start_with_clock(test_config(&db.url), clock.clone()).await;
    let acme = s.organization_of_tier("Acme", "qaas").await;
    let globex = s.organization_of_tier("Globex", "support").await;
    let jan = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let piet = s
        .token("piet@globex.example", Role::Customer, Some(globex))
        .await;
    let agent = s
        .token_in("eva@vendor.example", Role::FirstLine, None, Language::En)
        .await;
    let admin = s
        .token_in("boss@vendor.example", Role::Admin, None, Language::En)
        .await;
    let request = ticket(&s, &jan, "consultancy_request", "Help with mapping").await;
    let incident = ticket(&s, &jan, "incident", "Connector fails").await;

    // C1: no billable time before a proposal is approved.
    let hours = |date: &str, minutes: i64, proposal: Option<i64>| json!({"work_date": date, "minutes": minutes, "billable": true, "proposal_id": proposal, "note": "work"});
    refused(
        &book(&s, &agent, request, hours("2026-11-05", 60, None)).await,
        StatusCode::CONFLICT,
        "approved",
    );
    // The reason must fit the ticket.
    let path = format!("/api/v1/tickets/{request}/proposals");
    let proposal = |basis: &str, minutes: i64| json!({"basis": basis, "work_kind": "ad_hoc", "description": "Map the order flow", "estimate_minutes": minutes});
    refused(
        &s.post(&agent, &path, proposal("careless_use", 360)).await,
        StatusCode::CONFLICT,
        "does not fit",
    );
    refused(
        &s.post(&jan, &path, proposal("consultancy_request", 360))
            .await,
        StatusCode::FORBIDDEN,
        "servicedesk",
    );
    refused(
        &s.post(&agent, &path, proposal("consultancy_request", -5))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "estimate",
    );
    let (status, made) = s
        .post(&agent, &path, proposal("consultancy_request", 360))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    // QaaS ad hoc: €150/h; 6 h estimated is 8 h billed (4 h minimum, then 4 h blocks).
    assert_eq!(made["cents_per_hour"], 15_000);
    assert_eq!(made["estimate_cents"], 120_000);
    assert_eq!(made["state"], "proposed");
    refused(
        &book(&s, &agent, request, hours("2026-11-05", 60, Some(id))).await,
        StatusCode::CONFLICT,
        "approved",
    );
    // Changed before the customer decided: an approval of what Jan read first is refused.
    let (status, revised) = s
        .patch(
            &agent,
            &format!("/api/v1/proposals/{id}"),
            json!({"estimate_minutes": 420}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revised}");
    assert_eq!(revised["revision"], 2);
    let approve = format!("/api/v1/proposals/{id}/approve");
    refused(
        &s.post(&jan, &approve, json!({"revision": 1})).await,
        StatusCode::CONFLICT,
        "veranderd",
    );
    // Someone of another organisation never learns it exists; staff cannot approve.
    let (status, _) = s.post(&piet, &approve, json!({"revision": 2})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    refused(
        &s.post(&agent, &approve, json!({"revision": 2})).await,
        StatusCode::FORBIDDEN,
        "customers",
    );
    let (status, approved) = s.post(&jan, &approve, json!({"revision": 2})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert!(approved["decided_by"].as_i64().is_some());
    let text = approved["decided_text"].as_str().unwrap();
    assert!(
        text.contains("Voorstel") && text.contains("Map the order flow") && text.contains("7 u"),
        "{text}"
    );
    assert_eq!(approved["decided_language"], "nl");
    // Twice, or changed after approval: refused, nothing changes.
    refused(
        &s.post(&jan, &approve, json!({"revision": 2})).await,
        StatusCode::CONFLICT,
        "nieuw voorstel",
    );
    refused(
        &s.patch(
            &agent,
            &format!("/api/v1/proposals/{id}"),
            json!({"estimate_minutes": 60}),
        )
        .await,
        StatusCode::CONFLICT,
        "new proposal",
    );
    // A proposal of one ticket does not make another billable; support time is not billed.
    refused(
        &book(&s, &agent, incident, hours("2026-11-05", 60, Some(id))).await,
        StatusCode::CONFLICT,
        "approved",
    );
    let (status, _) = book(
        &s,
        &agent,
        incident,
        json!({"work_date": "2026-11-05", "minutes": 45, "billable": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Bad input, each refused with its reason.
    for (body, words) in [
        (hours("2026-11-05", -5, Some(id)), "minutes"),
        (hours("2026-11-05", 2000, Some(id)), "minutes"),
        (hours("2026-13-01", 60, Some(id)), "2026-13-01"),
        (hours("2026-11-11", 60, Some(id)), "not come"),
    ] {
        refused(
            &book(&s, &agent, request, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            words,
        );
    }
    // 3 h in November: the 4 h minimum.
    let (status, november_entry) =
        book(&s, &agent, request, hours("2026-11-05", 180, Some(id))).await;
    assert_eq!(status, StatusCode::CREATED, "{november_entry}");
    // An hour on the engagement written off: booked on the proposal, never billed.
    let (status, _) = book(
        &s,
        &agent,
        request,
        json!({"work_date": "2026-11-06", "minutes": 60, "billable": false, "proposal_id": id}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let november = month(&s, &admin, "2026-11").await;
    assert_eq!(november["closed"], false);
    let lines = november["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{november}");
    assert_eq!(lines[0]["kind"], "work");
    assert_eq!(lines[0]["booked_seconds"], 3 * 3600);
    assert_eq!(lines[0]["billed_seconds"], 4 * 3600);
    assert_eq!(lines[0]["amount_cents"], 60_000);
    assert_eq!(november["total_cents"], 60_000);
    // The CSV an accounting package imports.
    let (status, csv) = s
        .get(&admin, "/api/v1/billing?month=2026-11&format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().unwrap();
    assert!(
        csv.starts_with("month,organization_id,organization,ticket,proposal_id,basis,line,"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            "2026-11,{acme},Acme,SD-{request:06},{id},consultancy_request,work,3.00,4.00,150.00,600.00"
        )),
        "{csv}"
    );
    // Each customer sees only its own lines.
    assert_eq!(month(&s, &jan, "2026-11").await["total_cents"], 60_000);
    let theirs = month(&s, &piet, "2026-11").await;
    assert_eq!(theirs["lines"], json!([]), "{theirs}");
    let (_, spoofed) = s
        .get(
            &piet,
            &format!("/api/v1/billing?month=2026-11&organization_id={acme}"),
        )
        .await;
    assert_eq!(spoofed["lines"], json!([]), "{spoofed}");

    // A month is closed once it has ended, by an admin, once.
    let close = |m: &str| json!({"month": m});
    refused(
        &s.post(&admin, "/api/v1/billing/close", close("2026-11"))
            .await,
        StatusCode::CONFLICT,
        "not ended",
    );
    clock.set(dutch("2026-12-02T09:00")).unwrap();
    refused(
        &s.post(&agent, "/api/v1/billing/close", close("2026-11"))
            .await,
        StatusCode::FORBIDDEN,
        "admin",
    );
    let (status, closed) = s
        .post(&admin, "/api/v1/billing/close", close("2026-11"))
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["total_cents"], 60_000);
    refused(
        &s.post(&admin, "/api/v1/billing/close", close("2026-11"))
            .await,
        StatusCode::CONFLICT,
        "closed",
    );
    refused(
        &book(&s, &agent, request, hours("2026-11-28", 60, Some(id))).await,
        StatusCode::CONFLICT,
        "closed",
    );
    // 1.5 h in December makes 4.5 h in all: the engagement's second block, €600.
    let (status, _) = book(&s, &agent, request, hours("2026-12-01", 90, Some(id))).await;
    assert_eq!(status, StatusCode::CREATED);
    let december = month(&s, &admin, "2026-12").await;
    let lines = december["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{december}");
    assert_eq!(lines[0]["booked_seconds"], 5400);
    assert_eq!(lines[0]["billed_seconds"], 4 * 3600);
    assert_eq!(lines[0]["amount_cents"], 60_000);
    // November's 3 h withdrawn after the closing: a correction in December, November frozen.
    let entry = november_entry["id"].as_i64().unwrap();
    let withdraw = format!("/api/v1/time-entries/{entry}/withdraw");
    refused(
        &s.post(&agent, &withdraw, json!({"reason": " "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason",
    );
    let (status, _) = s
        .post(
            &agent,
            &withdraw,
            json!({"reason": "booked on the wrong ticket"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    refused(
        &s.post(&agent, &withdraw, json!({"reason": "again"})).await,
        StatusCode::CONFLICT,
        "withdrawn",
    );
    let december = month(&s, &admin, "2026-12").await;
    let lines = december["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{december}");
    assert_eq!(lines[0]["kind"], "correction");
    assert_eq!(lines[0]["booked_seconds"], -3 * 3600);
    assert_eq!(lines[0]["amount_cents"], -60_000);
    // What is left, 1.5 h, is now the engagement's first block: the 4 h minimum.
    assert_eq!(lines[1]["kind"], "work");
    assert_eq!(lines[1]["billed_seconds"], 4 * 3600);
    assert_eq!(lines[1]["amount_cents"], 60_000);
    assert_eq!(december["total_cents"], 0);
    assert_eq!(month(&s, &admin, "2026-11").await["total_cents"], 60_000);
    // Closing December freezes the correction with it; January starts clean.
    clock.set(dutch("2027-01-04T09:00")).unwrap();
    let (status, closed) = s
        .post(&admin, "/api/v1/billing/close", close("2026-12"))
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["lines"].as_array().unwrap().len(), 2, "{closed}");
    assert_eq!(month(&s, &admin, "2027-01").await["lines"], json!([]));
    s.stop().await;
}

async fn careless_use_is_told_before_billing_and_custom_work_has_no_clocks(backend: Backend) {
    let db = Database::fresh(backend).await;
    let clock = Clock::manual(dutch("2026-11-10T10:00"));
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    let acme = s.organization_of_tier("Acme", "support").await;
    let jan = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let agent = s
        .token_in("eva@vendor.example", Role::SecondLine, None, Language::En)
        .await;
    let incident = ticket(&s, &jan, "incident", "Flows stopped").await;
    let path = format!("/api/v1/tickets/{incident}/proposals");

    // C3, not urgent: the customer is told the cause and the terms, and asked to approve.
    let (status, asked) = s
        .post(
            &agent,
            &path,
            json!({"basis": "careless_use", "work_kind": "ad_hoc", "description": "Restore the deleted flows", "estimate_minutes": 120}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    assert_eq!(asked["state"], "proposed");
    assert_eq!(asked["cents_per_hour"], 25_000);
    let mails = outbox(&db).await;
    let notice = mails
        .iter()
        .find(|(to, subject, _)| {
            to == "jan@acme.example" && subject.contains("Voorstel ter goedkeuring")
        })
        .unwrap_or_else(|| panic!("{mails:#?}"));
    assert!(notice.2.contains("onzorgvuldig gebruik"), "{}", notice.2);
    assert!(notice.2.contains("1.000,00 EUR"), "{}", notice.2);
    assert!(
        notice.2.contains(&format!("/tickets/{incident}")),
        "{}",
        notice.2
    );

    // Only C3 may start before approval, and then with the reason.
    let request = ticket(&s, &jan, "development_request", "New connector").await;
    refused(
        &s.post(
            &agent,
            &format!("/api/v1/tickets/{request}/proposals"),
            json!({"basis": "development_request", "work_kind": "ad_hoc", "description": "Build it", "estimate_minutes": 60, "urgent_reason": "hurry"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "careless use",
    );
    let (status, urgent) = s
        .post(
            &agent,
            &path,
            json!({"basis": "careless_use", "work_kind": "ad_hoc", "description": "Stop the loop that floods the queue",
                   "estimate_minutes": 60, "urgent_reason": "The queue overflows and delays every flow"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{urgent}");
    assert_eq!(urgent["state"], "urgent");
    let mails = outbox(&db).await;
    let repair = mails
        .iter()
        .find(|(to, subject, _)| to == "jan@acme.example" && subject.contains("Spoedherstel"))
        .unwrap_or_else(|| panic!("{mails:#?}"));
    assert!(repair.2.contains("The queue overflows"), "{}", repair.2);
    // In force at once: billable time may be booked on it.
    let (status, entry) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{incident}/time"),
            json!({"work_date": "2026-11-10", "minutes": 30, "billable": true, "proposal_id": urgent["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    // The customer reads both proposals, with their words; not the staff's time.
    let (_, billing) = s
        .get(&jan, &format!("/api/v1/tickets/{incident}/billing"))
        .await;
    assert_eq!(
        billing["proposals"].as_array().unwrap().len(),
        2,
        "{billing}"
    );
    assert!(
        billing["proposals"][1]["text"]
            .as_str()
            .unwrap()
            .contains("Spoedherstel")
    );
    assert_eq!(billing["time_entries"], json!([]));
    let (_, events) = s
        .get(&jan, &format!("/api/v1/tickets/{incident}/events"))
        .await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "proposal"),
        "{events}"
    );

    // Custom work: outside the SLA, no clocks, and only custom-work proposals.
    let custom = ticket(&s, &jan, "development_request", "Our own report").await;
    let custom_path = format!("/api/v1/tickets/{custom}/proposals");
    let custom_proposal = json!({"basis": "custom_work", "work_kind": "non_platform", "description": "Build the report", "estimate_minutes": 600});
    refused(
        &s.post(&agent, &custom_path, custom_proposal.clone()).await,
        StatusCode::CONFLICT,
        "does not fit",
    );
    let (status, marked) = s
        .call(
            Some(&agent),
            Method::PATCH,
            &format!("/api/v1/tickets/{custom}"),
            Some(json!({"outside_sla": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(marked["outside_sla"], true);
    assert_eq!(marked["sla"], Value::Null);
    let (_, listed) = s
        .get(&agent, &format!("/api/v1/tickets?organization={acme}"))
        .await;
    let listed = listed["items"].as_array().cloned().unwrap_or_default();
    assert!(
        listed
            .iter()
            .any(|t| t["id"] == custom && t["sla"].is_null()),
        "{listed:?}"
    );
    let (status, made) = s.post(&agent, &custom_path, custom_proposal).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    // Non-platform work: €250/h, 10 h estimated is 16 h billed (8 h minimum, 8 h blocks).
    assert_eq!(made["estimate_cents"], 400_000);
    s.stop().await;
}
