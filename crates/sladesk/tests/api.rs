//! The desk service through its public HTTP API, the same suite on SQLite and PostgreSQL.

mod common;

use common::{Backend, Database, Server, test_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;

on_both_databases!(
    a_ticket_through_its_life,
    customers_only_see_their_own_organization,
    bad_input_is_a_clear_4xx,
    lists_filter_search_and_page,
    breached_filter_follows_the_clock,
    openapi_document_describes_the_api,
    audit_trail_records_who_did_what,
    the_documents_examples_are_accepted,
);

/// A server on a fresh database whose clock stands still until a test moves it.
async fn server(backend: Backend) -> (Database, Server) {
    let db = Database::fresh(backend).await;
    let clock = sladesk::clock::Clock::manual(jiff::Timestamp::now());
    let server = Server::start_with_clock(test_config(&db.url), clock).await;
    (db, server)
}

/// Every request example in the OpenAPI document is one the API accepts (given organisation,
/// ticket and component 1), so an integrator who copies one starts from something that works.
async fn the_documents_examples_are_accepted(backend: Backend) {
    let db = Database::fresh(backend).await;
    let filed: jiff::Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
    let clock = sladesk::clock::Clock::manual(filed);
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    assert_eq!(s.organization("Acme", None).await, 1);
    let (_, component) = s
        .post(&s.admin, "/api/v1/components", json!({"name": "Platform"}))
        .await;
    assert_eq!(component["id"], 1);
    let (_, document) = s.get(&s.admin, "/api/openapi.json").await;
    let example = |schema: &str| document["components"]["schemas"][schema]["example"].clone();
    let cases = [
        ("NewTicket", "/api/v1/tickets"),
        ("NewComment", "/api/v1/tickets/1/comments"),
        ("PhoneCall", "/api/v1/tickets/1/phone-calls"),
        ("NewTicketExclusion", "/api/v1/tickets/1/exclusions"),
        ("NewWindow", "/api/v1/maintenance-windows"),
        ("NewExclusion", "/api/v1/availability/exclusions"),
        ("NewPolicyVersion", "/api/v1/policies"),
    ];
    for (schema, path) in cases {
        if schema == "NewTicketExclusion" {
            s.advance(jiff::SignedDuration::from_hours(2));
        }
        let body = example(schema);
        assert!(body.is_object(), "{schema} has an example");
        let (status, answer) = s.post(&s.admin, path, body).await;
        assert!(status.is_success(), "{schema} at {path}: {status} {answer}");
    }
}

async fn a_ticket_through_its_life(backend: Backend) {
    let (_db, s) = server(backend).await;
    let org = s.organization("Acme", None).await;
    let customer = s.token("jan@acme.example", Role::Customer, Some(org)).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;

    // Filed by the customer: production, so Normal until triage (T6).
    let ticket = s.file_ticket(&customer, None, "Nightly sync fails").await;
    let id = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["number"], format!("SD-{id:06}"));
    assert_eq!(ticket["priority"], "normal");
    assert_eq!(ticket["triaged"], false);
    assert_eq!(ticket["status"], "new");
    assert_eq!(ticket["sla"]["reaction"]["target_seconds"], 4 * 3600);
    assert_eq!(ticket["sla"]["reaction"]["met_at"], Value::Null);
    assert_eq!(ticket["sla"]["resolution"]["state"], "running");
    assert_eq!(
        ticket["allowed_transitions"],
        json!(["in_progress", "waiting_for_customer", "closed"])
    );

    // A non-production ticket starts Low.
    let (status, test_ticket) = s
        .post(&customer, "/api/v1/tickets", json!({"type": "question", "environment": "test", "product": "Qixium", "subject": "How to map fields?", "description": "In the test environment"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(test_ticket["priority"], "low");

    // Triage: the first line raises the priority; the SLA targets follow.
    let (status, triaged) = s
        .patch(
            &agent,
            &format!("/api/v1/tickets/{id}"),
            json!({"priority": "high", "priority_reason": "whole department blocked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{triaged}");
    assert_eq!(triaged["priority"], "high");
    assert_eq!(triaged["triaged"], true);
    assert_eq!(triaged["sla"]["reaction"]["target_seconds"], 2 * 3600);
    assert_eq!(triaged["sla"]["resolution"]["target_seconds"], 8 * 3600);

    // An internal note is not a reaction; a public reply is.
    let (status, noted) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "Looks like the connector token expired", "visibility": "internal"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(noted["sla"]["reaction"]["met_at"], Value::Null);
    let (_, replied) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "We are looking into it.", "visibility": "public"}),
        )
        .await;
    assert!(
        replied["sla"]["reaction"]["met_at"].is_string(),
        "{replied}"
    );

    // Work, then wait for the customer: the resolution clock pauses, auto-close is scheduled.
    let (status, moved) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "in_progress"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, waiting) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "waiting_for_customer"}),
        )
        .await;
    assert_eq!(waiting["status"], "waiting_for_customer");
    assert_eq!(waiting["sla"]["resolution"]["state"], "paused");
    assert!(waiting["sla"]["auto_close_at"].is_string());

    // The customer answers: back to In Progress (T7), auto-close gone.
    let (_, answered) = s
        .post(
            &customer,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "Still failing", "visibility": "public"}),
        )
        .await;
    assert_eq!(answered["status"], "in_progress");
    assert_eq!(answered["sla"]["auto_close_at"], Value::Null);

    // The customer contests the priority (T5); the agent escalates (T4) and records a call (T1).
    let (status, _) = s
        .post(
            &customer,
            &format!("/api/v1/tickets/{id}/disputes"),
            json!({"reason": "It is urgent for us"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, escalated) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/escalations"),
            json!({"reason": "needs a developer"}),
        )
        .await;
    assert_eq!(escalated["line"], 2);
    let (status, _) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/phone-calls"),
            json!({"summary": "Customer called, explained impact"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Solved, confirmed by the customer.
    s.post(
        &agent,
        &format!("/api/v1/tickets/{id}/transitions"),
        json!({"status": "waiting_for_customer"}),
    )
    .await;
    let (status, closed) = s
        .post(
            &customer,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["sla"]["resolution"]["state"], "stopped");

    // Staff see everything; the customer never sees internal notes or calls.
    let (_, all) = s.get(&agent, &format!("/api/v1/tickets/{id}/events")).await;
    let (_, public) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let kinds = |events: &Value| {
        events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(kinds(&all).contains(&"internal_note".to_string()));
    assert!(kinds(&all).contains(&"phone_call".to_string()));
    assert!(!kinds(&public).contains(&"internal_note".to_string()));
    assert!(!kinds(&public).contains(&"phone_call".to_string()));
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["visibility"] == "public")
    );
    assert_eq!(kinds(&public)[0], "created");

    // Explained: the stretches of the history, with what counted. (Everything above happened
    // at one instant; a minute later the closed stretch has a length.)
    s.advance(jiff::SignedDuration::from_mins(1));
    let (_, explained) = s
        .get(&agent, &format!("/api/v1/tickets/{id}?explain=true"))
        .await;
    let stretches = explained["sla"]["resolution"]["intervals"]
        .as_array()
        .unwrap();
    assert!(!stretches.is_empty(), "{explained}");
    assert_eq!(stretches.last().unwrap()["status"], "closed");
    assert_eq!(stretches.last().unwrap()["counted"], false);
    assert!(closed["sla"]["resolution"].get("intervals").is_none());

    // The SLA shown is the engine's evaluation of the event log: replaying it gives the same.
    let (_, now) = s.get(&agent, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["sla"]["reaction"], closed["sla"]["reaction"]);
    s.stop().await;
}

async fn customers_only_see_their_own_organization(backend: Backend) {
    let (_db, s) = server(backend).await;
    let acme = s.organization("Acme", None).await;
    let globex = s.organization("Globex", None).await;
    let jan = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let gina = s
        .token("gina@globex.example", Role::Customer, Some(globex))
        .await;
    let foreign = s.file_ticket(&gina, None, "Globex secret").await;
    let fid = foreign["id"].as_i64().unwrap();
    let mine = s.file_ticket(&jan, None, "Acme issue").await;
    let gina_id = s.get(&gina, "/api/v1/users").await.1["items"][0]["id"]
        .as_i64()
        .unwrap();

    // Every endpoint answers 404 for another organisation's things.
    let not_found = [
        (Method::GET, format!("/api/v1/tickets/{fid}"), None),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{fid}"),
            Some(json!({"line": 2})),
        ),
        (Method::GET, format!("/api/v1/tickets/{fid}/events"), None),
        (
            Method::POST,
            format!("/api/v1/tickets/{fid}/comments"),
            Some(json!({"body": "hi", "visibility": "public"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{fid}/transitions"),
            Some(json!({"status": "closed"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{fid}/disputes"),
            Some(json!({"reason": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{fid}/escalations"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{fid}/phone-calls"),
            Some(json!({"summary": "x"})),
        ),
        (Method::GET, format!("/api/v1/organizations/{globex}"), None),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{globex}"),
            Some(json!({"name": "x"})),
        ),
        (Method::GET, format!("/api/v1/users/{gina_id}"), None),
        (Method::GET, "/api/v1/tickets/999999".to_string(), None),
    ];
    for (method, path, body) in not_found {
        let (status, problem) = s.call(Some(&jan), method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
        assert!(!problem.to_string().contains("Globex secret"));
    }

    // Lists hold only their own organisation, whatever the filter asks.
    let (_, list) = s.get(&jan, "/api/v1/tickets").await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [mine["id"].as_i64().unwrap()]);
    let (_, list) = s
        .get(&jan, &format!("/api/v1/tickets?organization={globex}"))
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (_, list) = s.get(&jan, "/api/v1/tickets?q=secret").await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (_, orgs) = s.get(&jan, "/api/v1/organizations").await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 1);
    let (_, users) = s
        .get(&jan, &format!("/api/v1/users?organization={globex}"))
        .await;
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["organization_id"] == acme)
    );

    // What only staff may do is refused with 403.
    let mid = mine["id"].as_i64().unwrap();
    let forbidden = [
        (
            Method::POST,
            "/api/v1/organizations".to_string(),
            json!({"name": "Mine", "tier": "qaas"}),
        ),
        (
            Method::POST,
            "/api/v1/users".to_string(),
            json!({"email": "x@acme.example", "role": "admin"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{mid}"),
            json!({"priority": "high"}),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{mid}/comments"),
            json!({"body": "psst", "visibility": "internal"}),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{mid}/transitions"),
            json!({"status": "in_progress"}),
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{mid}/escalations"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/tickets".to_string(),
            json!({"type": "bug", "environment": "production", "product": "Qixium", "subject": "s", "description": "d", "priority": "high"}),
        ),
        (
            Method::POST,
            "/api/v1/tickets".to_string(),
            json!({"type": "bug", "environment": "production", "product": "Qixium", "subject": "s", "description": "d", "organization_id": globex}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{acme}"),
            json!({"name": "x"}),
        ),
        (Method::GET, "/api/v1/audit".to_string(), Value::Null),
    ];
    for (method, path, body) in forbidden {
        let body = (!body.is_null()).then_some(body);
        let (status, problem) = s.call(Some(&jan), method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {problem}");
    }
    s.stop().await;
}

async fn bad_input_is_a_clear_4xx(backend: Backend) {
    use sladesk_core::text::Language;
    let (_db, s) = server(backend).await;
    let org = s.organization("Acme", None).await;
    // Problems come in the reader's language: these readers read English.
    let agent = s
        .token_in("eva@vendor.example", Role::FirstLine, None, Language::En)
        .await;
    let admin = s
        .token_in("ada@vendor.example", Role::Admin, None, Language::En)
        .await;
    let ticket = s.file_ticket(&agent, Some(org), "Something").await;
    let id = ticket["id"].as_i64().unwrap();
    let outage = s
        .post(&agent, "/api/v1/tickets", json!({"organization_id": org, "type": "incident", "environment": "production", "product": "Qixium", "subject": "Down", "description": "Platform down", "priority": "saas_outage"}))
        .await
        .1;

    for body in ["{not json", "[1,2,3]", "", "null", "{\"type\": 5}"] {
        let response = s
            .client
            .post(format!("{}/api/v1/tickets", s.base))
            .bearer_auth(&agent)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY]
                .contains(&response.status()),
            "{body}: {}",
            response.status()
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }

    let cases: Vec<(Method, String, Option<Value>, StatusCode, &str)> = vec![
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(
                json!({"organization_id": org, "type": "complaint", "environment": "production", "product": "Qixium", "subject": "s", "description": "d"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "complaint",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(
                json!({"organization_id": org, "type": "bug", "environment": "production", "product": "Qixium", "subject": "  ", "description": "d"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "subject",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(
                json!({"organization_id": org, "type": "bug", "environment": "production", "product": "Qixium", "subject": "s", "description": "d", "colour": "red"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(
                json!({"organization_id": org, "type": "bug", "environment": "production", "product": "Legacy ERP", "subject": "s", "description": "d"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not covered",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(
                json!({"organization_id": 424242, "type": "bug", "environment": "production", "product": "Qixium", "subject": "s", "description": "d"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "does not exist",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/transitions"),
            Some(json!({"status": "waiting_for_development"})),
            StatusCode::CONFLICT,
            "from New it can move to: In Progress, Waiting for Customer, Closed",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/transitions"),
            Some(json!({"status": "done"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "done",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{}", outage["id"]),
            Some(json!({"priority": "low"})),
            StatusCode::CONFLICT,
            "saas_outage",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}"),
            Some(json!({"priority": "saas_outage"})),
            StatusCode::CONFLICT,
            "saas_outage",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}"),
            Some(json!({"line": 7})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "line",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}"),
            Some(json!({"assignee_id": 999})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "staff",
        ),
        (
            Method::GET,
            "/api/v1/tickets/abc".into(),
            None,
            StatusCode::NOT_FOUND,
            "ids",
        ),
        (
            Method::GET,
            "/api/v1/tickets/-1".into(),
            None,
            StatusCode::NOT_FOUND,
            "ids",
        ),
        (
            Method::GET,
            "/api/v1/tickets?limit=0".into(),
            None,
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            Method::GET,
            "/api/v1/tickets?cursor=zz".into(),
            None,
            StatusCode::BAD_REQUEST,
            "cursor",
        ),
        (
            Method::GET,
            "/api/v1/tickets?status=sleeping".into(),
            None,
            StatusCode::BAD_REQUEST,
            "sleeping",
        ),
        (
            Method::GET,
            "/api/v1/tickets?breached=maybe".into(),
            None,
            StatusCode::BAD_REQUEST,
            "breached",
        ),
        (
            Method::GET,
            "/api/v1/nothing-here".into(),
            None,
            StatusCode::NOT_FOUND,
            "no such",
        ),
        (
            Method::DELETE,
            format!("/api/v1/tickets/{id}"),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "not allowed",
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(
                json!({"name": "X", "tier": "support", "policy": "[priorities.low]\nreaction = \"soon\"\n"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "priorities.low.reaction",
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(
                json!({"name": "X", "tier": "support", "valid_from": "2026-05-01", "valid_until": "2026-04-01"}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "before",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "not-an-email", "role": "first_line"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "eva@vendor.example", "role": "first_line"})),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "c@acme.example", "role": "customer"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization_id",
        ),
    ];
    for (method, path, body, expected, word) in cases {
        let token = if path.contains("organizations") || path.contains("users") {
            admin.clone()
        } else {
            agent.clone()
        };
        let (status, problem) = s.call(Some(&token), method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(word),
            "{method} {path}: {problem} lacks {word:?}"
        );
    }

    // A Dutch reader gets the same refusal in Dutch; without a token, Accept-Language decides.
    let dutch = s.token("piet@vendor.example", Role::FirstLine, None).await;
    let (status, problem) = s
        .post(&dutch, "/api/v1/tickets", json!({"organization_id": org, "type": "incident", "environment": "production", "product": "Qixium", "subject": " ", "description": "d"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["detail"], "onderwerp mag niet leeg zijn",
        "{problem}"
    );
    assert_eq!(problem["title"], "Niet geaccepteerd");
    let anonymous = s
        .client
        .get(format!("{}/api/v1/tickets", s.base))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.headers()["content-language"], "en");
    let problem: Value = anonymous.json().await.unwrap();
    assert_eq!(problem["title"], "Not signed in");

    // A browser asking for a page gets a page in its language, never JSON; the API stays JSON.
    for (path, html) in [("/no/such/page", true), ("/api/v1/no-such-thing", false)] {
        let response = s
            .client
            .get(format!("{}{path}", s.base))
            .header("accept", "text/html,application/xhtml+xml")
            .header("accept-language", "nl-NL")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        let text = response.text().await.unwrap();
        if html {
            assert!(kind.starts_with("text/html"), "{kind}");
            assert!(
                text.contains("Niet gevonden") && text.contains("lang=\"nl\""),
                "{text}"
            );
        } else {
            assert_eq!(kind, "application/problem+json");
        }
    }

    // No token, a wrong token: 401, and nothing leaks.
    let (status, _) = s.call(None, Method::GET, "/api/v1/tickets", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s
        .call(Some("sld_wrong"), Method::GET, "/api/v1/tickets", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A body over the limit is refused; the ticket is untouched by all of the above.
    let big = "x".repeat(2 * 1024 * 1024);
    // A client of its own: the server may drop this connection, which must not be reused.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets/{id}/comments", s.base))
        .bearer_auth(&agent)
        .header("content-type", "application/json")
        .body(format!("{{\"body\":\"{big}\",\"visibility\":\"public\"}}"))
        .send()
        .await;
    // The server answers 413 at once; it may close the connection before the client has
    // finished writing the body, which the client sees as a broken pipe.
    match response {
        Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    let (_, again) = s.get(&agent, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(again["status"], "new");
    assert_eq!(again["line"], 1);
    assert_eq!(again["priority"], "normal");
    s.stop().await;
}

async fn lists_filter_search_and_page(backend: Backend) {
    let (_db, s) = server(backend).await;
    let org = s.organization("Acme", None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let subject = if i == 3 {
            "Invoice export broken".to_string()
        } else {
            format!("Connector {i} times out")
        };
        ids.push(
            s.file_ticket(&agent, Some(org), &subject).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    s.post(
        &agent,
        &format!("/api/v1/tickets/{}/transitions", ids[0]),
        json!({"status": "waiting_for_customer"}),
    )
    .await;
    s.patch(
        &agent,
        &format!("/api/v1/tickets/{}", ids[1]),
        json!({"priority": "high", "line": 2}),
    )
    .await;

    // Pages of 3, newest first, following the cursor until it runs out.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?limit=3&cursor={c}"),
            None => "/api/v1/tickets?limit=3".into(),
        };
        let (status, page) = s.get(&agent, &path).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let count = |page: &Value| page["items"].as_array().unwrap().len();
    let ids_of = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of(
            &s.get(&agent, "/api/v1/tickets?status=waiting_for_customer")
                .await
                .1
        ),
        [ids[0]]
    );
    assert_eq!(
        ids_of(&s.get(&agent, "/api/v1/tickets?waiting=true").await.1),
        [ids[0]]
    );
    assert_eq!(
        count(&s.get(&agent, "/api/v1/tickets?waiting=false").await.1),
        6
    );
    assert_eq!(
        ids_of(&s.get(&agent, "/api/v1/tickets?priority=high").await.1),
        [ids[1]]
    );
    assert_eq!(
        ids_of(&s.get(&agent, "/api/v1/tickets?line=2").await.1),
        [ids[1]]
    );
    assert_eq!(
        count(
            &s.get(&agent, &format!("/api/v1/tickets?organization={org}"))
                .await
                .1
        ),
        7
    );
    assert_eq!(
        ids_of(&s.get(&agent, "/api/v1/tickets?q=invoice").await.1),
        [ids[3]]
    );
    assert_eq!(
        ids_of(&s.get(&agent, "/api/v1/tickets?q=invoice%20export").await.1),
        [ids[3]]
    );
    assert_eq!(
        count(&s.get(&agent, "/api/v1/tickets?q=connector").await.1),
        6
    );
    // Search syntax in the query is just text.
    let (status, page) = s
        .get(&agent, "/api/v1/tickets?q=%22invoice%20OR%20*%20NEAR(")
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        count(&s.get(&agent, "/api/v1/tickets?breached=false").await.1),
        7
    );
    s.stop().await;
}

async fn breached_filter_follows_the_clock(backend: Backend) {
    let (_db, s) = server(backend).await;
    // A contract with its own (tiny, 24/7) targets: the clock runs out within the test.
    let fast = "[priorities.normal]\ncalendar = \"24x7\"\nreaction = \"2s\"\nresolution = \"1h\"\n";
    let org = s.organization("Fast Ltd", Some(fast)).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&agent, Some(org), "Quick one").await;
    assert_eq!(ticket["sla"]["reaction"]["target_seconds"], 2);
    assert_eq!(ticket["sla"]["reaction"]["breached"], false);
    let (_, page) = s.get(&agent, "/api/v1/tickets?breached=true").await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
    s.advance(jiff::SignedDuration::from_secs(3));
    let (_, page) = s.get(&agent, "/api/v1/tickets?breached=true").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["sla"]["reaction"]["breached"], true);
    let (_, page) = s.get(&agent, "/api/v1/tickets?breached=false").await;
    assert!(page["items"].as_array().unwrap().is_empty());
    s.stop().await;
}

async fn openapi_document_describes_the_api(backend: Backend) {
    let (_db, s) = server(backend).await;
    let (status, doc) = s.call(None, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/tickets/{id}/comments",
        "/api/v1/tickets/{id}/transitions",
        "/api/v1/tickets/{id}/events",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/healthz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    assert!(doc["components"]["schemas"].get("SlaReport").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    let (status, health) = s.call(None, Method::GET, "/healthz", None).await;
    assert_eq!(
        (status, health["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let metrics = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("sladesk_http_requests_total"));
    s.stop().await;
}

async fn audit_trail_records_who_did_what(backend: Backend) {
    let (_db, s) = server(backend).await;
    let org = s.organization("Acme", None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&agent, Some(org), "Audited").await;
    s.patch(
        &agent,
        &format!("/api/v1/tickets/{}", ticket["id"]),
        json!({"priority": "low"}),
    )
    .await;
    let (status, audit) = s.get(&s.admin, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["ticket.update", "ticket.create", "token.create"]
    );
    let update = &audit["items"][0];
    assert!(update["actor_id"].is_i64() && update["token_id"].is_i64());
    assert_eq!(update["subject"], format!("ticket:{}", ticket["id"]));
    s.stop().await;
}
