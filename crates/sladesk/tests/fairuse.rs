//! Fair use (F1, F2) through the API, on SQLite and PostgreSQL, with the server's clock set by
//! the test and mail through a real SMTP process: use sent by an agent (JSON and CSV, the same
//! value twice changing nothing, a later value winning), refusals of bad values, the daily run
//! judging each tenant against the rest of its cohort (a one-day peak and a cohort too small
//! never count), a customer seeing only its own use and cases, and the procedure: the notice
//! in each customer's language, no measure during the grace period, the re-check at its end
//! (still over the line, or back to normal), the decision, an acute limit, and the audit.

mod common;

use common::{
    Backend, Database, Server, SmtpServer, dutch, eventually, free_port, maildir, test_config,
    with_smtp,
};
use jiff::ToSpan;
use jiff::civil::Date;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;
use sladesk_core::text::Language;

on_both_databases!(usage_is_judged_against_its_cohort_and_a_case_runs_its_course);

fn refused(answer: &(StatusCode, Value), status: StatusCode, words: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    let detail = answer.1["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(words), "{words} not in {}", answer.1);
}

async fn tenant(s: &Server, name: &str, tier: &str, size: Option<&str>) -> (i64, i64) {
    let (status, org) = s
        .post(
            &s.admin,
            "/api/v1/organizations",
            json!({"name": name, "tier": tier, "products": ["Qixium"], "size_class": size}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let org = org["id"].as_i64().unwrap();
    let (status, component) = s
        .post(
            &s.admin,
            "/api/v1/components",
            json!({"name": format!("{name} prod"), "organization_id": org}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{component}");
    (org, component["id"].as_i64().unwrap())
}

fn day(date: Date) -> String {
    date.to_string()
}

async fn overview(s: &Server, token: &str) -> Value {
    let (status, o) = s.get(token, "/api/v1/fair-use").await;
    assert_eq!(status, StatusCode::OK, "{o}");
    o
}

async fn wait_for_judged(s: &Server, token: &str, judged: &str) -> Value {
    eventually(15, &format!("the run of {judged}"), || async {
        let o = overview(s, token).await;
        (o["judged_day"] == judged).then_some(o)
    })
    .await
}

async fn case_in(s: &Server, token: &str, id: i64, state: &str) -> Value {
    eventually(15, &format!("case {id} {state}"), || async {
        let (_, c) = s.get(token, &format!("/api/v1/fair-use/cases/{id}")).await;
        (c["state"] == state).then_some(c)
    })
    .await
}

async fn usage_is_judged_against_its_cohort_and_a_case_runs_its_course(backend: Backend) {
    let db = Database::fresh(backend).await;
    let smtp = SmtpServer::start_on(free_port(), &maildir(&db, "fairuse"));
    // Before the day's run (06:00): the values of yesterday are still coming in.
    let clock = Clock::manual(dutch("2026-11-10T05:00"));
    let s =
        Server::start_with_clock(with_smtp(test_config(&db.url), smtp.port), clock.clone()).await;
    let (acme, acme_prod) = tenant(&s, "Acme", "qaas", Some("m")).await;
    let (beta, beta_prod) = tenant(&s, "Beta", "qaas", Some("m")).await;
    let (_, gamma_prod) = tenant(&s, "Gamma", "qaas", Some("m")).await;
    let (_, delta_prod) = tenant(&s, "Delta", "qaas", Some("m")).await;
    let (_, tiny_prod) = tenant(&s, "Tiny", "support", Some("xl")).await;
    let (status, internal) = s
        .post(
            &s.admin,
            "/api/v1/components",
            json!({"name": "Build server"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let internal = internal["id"].as_i64().unwrap();
    let agent = s
        .token_in("agent@vendor.example", Role::SaasTeam, None, Language::En)
        .await;
    let _team = s
        .token_in("sam@vendor.example", Role::SaasTeam, None, Language::En)
        .await;
    let jan = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let _tom = s
        .token_in("tom@acme.example", Role::Customer, Some(acme), Language::En)
        .await;
    let piet = s
        .token("piet@beta.example", Role::Customer, Some(beta))
        .await;

    // Forty days of use, from 1 October to 9 November. Acme's API calls and data traffic run
    // at ten times the others' for the last thirty; Beta's storage peaks once, on 9 November;
    // Tiny, alone in its cohort, uses a hundred times as much and is never compared.
    let last = Date::new(2026, 11, 9).unwrap();
    let first = last.checked_sub(39.days()).unwrap();
    let heavy_from = last.checked_sub(29.days()).unwrap();
    let mut date = first;
    let mut csv = String::from("day,component_id,measure,value\n");
    while date <= last {
        let acme_calls = if date >= heavy_from { 1_000 } else { 100 };
        let (status, intake) = s
            .post(
                &agent,
                "/api/v1/usage",
                json!({"day": day(date), "values": [
                    {"component_id": acme_prod, "measure": "api_calls", "value": acme_calls},
                    {"component_id": beta_prod, "measure": "api_calls", "value": 100},
                    {"component_id": gamma_prod, "measure": "api_calls", "value": 100},
                    {"component_id": delta_prod, "measure": "api_calls", "value": 100},
                    {"component_id": tiny_prod, "measure": "api_calls", "value": 10_000},
                    {"component_id": acme_prod, "measure": "data_traffic", "value": acme_calls * 1_000},
                    {"component_id": beta_prod, "measure": "data_traffic", "value": 100_000},
                    {"component_id": gamma_prod, "measure": "data_traffic", "value": 100_000},
                    {"component_id": delta_prod, "measure": "data_traffic", "value": 100_000},
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{intake}");
        assert_eq!(intake["new"], 9, "{intake}");
        for (component, storage) in [
            (acme_prod, 50),
            (beta_prod, if date == last { 5_000 } else { 50 }),
            (gamma_prod, 50),
            (delta_prod, 50),
        ] {
            csv.push_str(&format!("{},{component},storage,{storage}\n", day(date)));
        }
        date = date.tomorrow().unwrap();
    }
    let csv_import = |token: &str, content_type: &str, body: String| {
        s.client
            .post(format!("{}/api/v1/usage/import", s.base))
            .bearer_auth(token.to_string())
            .header("content-type", content_type.to_string())
            .body(body)
            .send()
    };
    let response = csv_import(&agent, "text/csv", csv.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let intake: Value = response.json().await.unwrap();
    assert_eq!(
        (intake["days"].clone(), intake["new"].clone()),
        (json!(40), json!(160))
    );

    // The same file again changes nothing; a later value wins, and is counted as a change.
    let intake: Value = csv_import(&agent, "text/csv", csv)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (intake["unchanged"].clone(), intake["new"].clone()),
        (json!(160), json!(0))
    );
    let resend = |value: i64| {
        s.post(
            &agent,
            "/api/v1/usage",
            json!({"day": "2026-10-05", "values": [
                {"component_id": gamma_prod, "measure": "storage", "value": value}]}),
        )
    };
    let (_, intake) = resend(70).await;
    assert_eq!(intake["changed"], 1, "{intake}");
    let (_, intake) = resend(50).await;
    assert_eq!(intake["changed"], 1, "{intake}");

    // Bad values are refused with where and why, and nothing of the request is kept.
    let one = |v: Value| {
        json!({"day": "2026-11-09", "values": [
        {"component_id": acme_prod, "measure": "api_calls", "value": 1}, v]})
    };
    refused(
        &s.post(
            &agent,
            "/api/v1/usage",
            one(json!({"component_id": acme_prod, "measure": "mailboxes", "value": 1})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "entry 2: `mailboxes` is not a measure",
    );
    refused(
        &s.post(
            &agent,
            "/api/v1/usage",
            one(json!({"component_id": acme_prod, "measure": "storage", "value": -5})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "entry 2: a value must be a whole number",
    );
    refused(
        &s.post(
            &agent,
            "/api/v1/usage",
            one(json!({"component_id": internal, "measure": "storage", "value": 5})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "is not a customer instance",
    );
    refused(
        &s.post(
            &agent,
            "/api/v1/usage",
            json!({"day": "2026-11-11", "values": [
            {"component_id": acme_prod, "measure": "storage", "value": 5}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "2026-11-11 is still to come",
    );
    refused(
        &s.post(
            &jan,
            "/api/v1/usage",
            one(json!({"component_id": acme_prod, "measure": "storage", "value": 5})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "",
    );
    let bad_csv = csv_import(
        &agent,
        "text/csv",
        "day,component_id,measure,value\n2026-11-09,1,api_calls,5\nnonsense\n".into(),
    )
    .await
    .unwrap();
    assert_eq!(bad_csv.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_csv.text().await.unwrap().contains("line 3"));
    let not_csv = csv_import(&agent, "application/json", "{}".into())
        .await
        .unwrap();
    assert_eq!(not_csv.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (_, chart) = s
        .get(
            &agent,
            &format!("/api/v1/usage/{acme_prod}?measure=api_calls&days=1"),
        )
        .await;
    assert_eq!(
        chart["days"][0]["own"], 1_000,
        "the refused requests kept nothing: {chart}"
    );

    // At 06:00 the run judges 9 November.
    clock.set(dutch("2026-11-10T06:01")).unwrap();
    let o = wait_for_judged(&s, &agent, "2026-11-09").await;
    let findings = o["findings"].as_array().unwrap();
    let found = |component: i64, measure: &str| {
        findings
            .iter()
            .find(|f| f["component_id"] == component && f["measure"] == measure)
            .cloned()
    };
    let calls = found(acme_prod, "api_calls").expect("Acme's API calls are over the line");
    assert_eq!(calls["current_run"], 30, "{calls}");
    assert_eq!(calls["excessive"], true);
    assert_eq!(calls["run_from"], day(heavy_from));
    assert_eq!(calls["cohort_average"], 100.0);
    assert_eq!(calls["cohort_size"], 3);
    let peak = found(beta_prod, "storage").expect("Beta's peak is over the line that day");
    assert_eq!(
        (peak["current_run"].clone(), peak["excessive"].clone()),
        (json!(1), json!(false))
    );
    assert!(
        found(tiny_prod, "api_calls").is_none(),
        "a cohort of one is never judged"
    );
    assert!(
        o["small_cohorts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["cohort"] == "support/xl" && c["tenants"] == 1),
        "{o}"
    );
    assert_eq!(findings.len(), 3, "{findings:#?}");

    // A customer sees its own use against the cohort's average and size, never another's.
    let (status, chart) = s
        .get(
            &jan,
            &format!("/api/v1/usage/{acme_prod}?measure=api_calls&days=90"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{chart}");
    let days = chart["days"].as_array().unwrap();
    assert_eq!(days.len(), 90);
    let newest = days.last().unwrap();
    assert_eq!(
        (
            newest["day"].clone(),
            newest["own"].clone(),
            newest["line"].clone(),
            newest["verdict"].clone()
        ),
        (
            json!("2026-11-09"),
            json!(1000),
            json!(300.0),
            json!("over")
        )
    );
    assert_eq!(days[0]["verdict"], "no_value");
    assert_eq!(chart["current_run"], 30);
    assert_eq!(
        s.get(
            &jan,
            &format!("/api/v1/usage/{beta_prod}?measure=api_calls")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&jan, "/api/v1/fair-use").await.0,
        StatusCode::FORBIDDEN
    );

    // A case needs excessive use; the customer cannot open one.
    refused(
        &s.post(
            &agent,
            "/api/v1/fair-use/cases",
            json!({"component_id": beta_prod, "measure": "storage", "reason": "Too much"}),
        )
        .await,
        StatusCode::CONFLICT,
        "1 of the 30 days",
    );
    assert_eq!(
        s.post(
            &jan,
            "/api/v1/fair-use/cases",
            json!({"component_id": acme_prod, "measure": "api_calls", "reason": "x"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let open = |measure: &str| {
        s.post(
            &agent,
            "/api/v1/fair-use/cases",
            json!({"component_id": acme_prod, "measure": measure,
                   "reason": "Your integration polls our API every second."}),
        )
    };
    let (status, calls_case) = open("api_calls").await;
    assert_eq!(status, StatusCode::CREATED, "{calls_case}");
    assert_eq!(calls_case["state"], "grace");
    assert_eq!(calls_case["figures"]["current_run"], 30);
    assert_eq!(
        calls_case["grace_until"].as_i64().unwrap() - calls_case["opened_at"].as_i64().unwrap(),
        7 * 86_400
    );
    let calls_id = calls_case["id"].as_i64().unwrap();
    refused(
        &open("api_calls").await,
        StatusCode::CONFLICT,
        &format!("case {calls_id}"),
    );
    let (_, traffic_case) = open("data_traffic").await;
    let traffic_id = traffic_case["id"].as_i64().unwrap();

    // Both of Acme's people are told, each in their own language, with the numbers.
    let mails = smtp
        .wait_for(15, "the notices", |m| {
            m.iter()
                .filter(|(to, ..)| to.contains("acme.example"))
                .count()
                >= 4
        })
        .await;
    let notice = |to: &str, words: &str| {
        mails
            .iter()
            .find(|(t, subject, _)| t.contains(to) && subject.contains(words))
            .cloned()
            .unwrap_or_else(|| panic!("no mail to {to} about {words}: {mails:#?}"))
    };
    let (_, _, nl) = notice("jan@acme.example", "API-aanroepen");
    assert!(
        nl.contains("1.000") && nl.contains("3 vergelijkbare"),
        "{nl}"
    );
    assert!(nl.contains(&format!("/fair-use/cases/{calls_id}")), "{nl}");
    assert!(nl.contains("polls our API"), "{nl}");
    let (_, _, en) = notice("tom@acme.example", "API calls");
    assert!(
        en.contains("1,000") && en.contains("until 2026-11-17"),
        "{en}"
    );

    // No measure during the grace period; the customer sees its case, Beta does not.
    refused(
        &s.post(
            &agent,
            &format!("/api/v1/fair-use/cases/{calls_id}/decision"),
            json!({"decision": "temporary_limit", "reason": "Still too much"}),
        )
        .await,
        StatusCode::CONFLICT,
        "until 2026-11-17",
    );
    let (status, seen) = s
        .get(&jan, &format!("/api/v1/fair-use/cases/{calls_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["steps"][0]["kind"], "opened");
    assert_eq!(
        s.get(&piet, &format!("/api/v1/fair-use/cases/{calls_id}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, beta_cases) = s.get(&piet, "/api/v1/fair-use/cases").await;
    assert_eq!(beta_cases, json!([]));

    // The grace week: the API calls stay high, the data traffic comes back to normal.
    let mut date = last.tomorrow().unwrap();
    while date <= Date::new(2026, 11, 16).unwrap() {
        // Each day's values arrive the next morning, before the day's run.
        clock
            .set(dutch(&format!("{}T05:00", date.tomorrow().unwrap())))
            .unwrap();
        let (status, _) = s
            .post(
                &agent,
                "/api/v1/usage",
                json!({"day": day(date), "values": [
                    {"component_id": acme_prod, "measure": "api_calls", "value": 1_000},
                    {"component_id": beta_prod, "measure": "api_calls", "value": 100},
                    {"component_id": gamma_prod, "measure": "api_calls", "value": 100},
                    {"component_id": delta_prod, "measure": "api_calls", "value": 100},
                    {"component_id": acme_prod, "measure": "data_traffic", "value": 120_000},
                    {"component_id": beta_prod, "measure": "data_traffic", "value": 100_000},
                    {"component_id": gamma_prod, "measure": "data_traffic", "value": 100_000},
                    {"component_id": delta_prod, "measure": "data_traffic", "value": 100_000},
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        date = date.tomorrow().unwrap();
    }
    clock.set(dutch("2026-11-17T06:05")).unwrap();
    let calls_case = case_in(&s, &agent, calls_id, "awaiting_decision").await;
    assert_eq!(calls_case["recheck_over"], true);
    assert_eq!(calls_case["steps"][1]["kind"], "rechecked");
    assert_eq!(calls_case["steps"][1]["figures"]["day"], "2026-11-16");
    assert_eq!(calls_case["steps"][1]["figures"]["current_run"], 30);
    let traffic_case = case_in(&s, &agent, traffic_id, "awaiting_decision").await;
    assert_eq!(traffic_case["recheck_over"], false);
    assert_eq!(traffic_case["steps"][1]["figures"]["current_run"], 0);
    smtp.wait_for(15, "the re-check mails", |m| {
        m.iter().any(|(to, subject, _)| {
            to.contains("sam@vendor.example") && subject.contains("after the grace period")
        }) && m.iter().any(|(to, _, body)| {
            to.contains("jan@acme.example") && body.contains("weer onder de grens")
        })
    })
    .await;

    // The decisions: a limit where the use stayed high; none where it came back to normal.
    refused(
        &s.post(
            &agent,
            &format!("/api/v1/fair-use/cases/{traffic_id}/decision"),
            json!({"decision": "extra_charge", "reason": "x"}),
        )
        .await,
        StatusCode::CONFLICT,
        "back under the line",
    );
    let (status, decided) = s
        .post(
            &agent,
            &format!("/api/v1/fair-use/cases/{traffic_id}/decision"),
            json!({"decision": "normalised", "reason": "Back to normal, thank you."}),
        )
        .await;
    assert_eq!(
        (status, decided["state"].clone()),
        (StatusCode::OK, json!("decided"))
    );
    let (status, decided) = s
        .post(&agent, &format!("/api/v1/fair-use/cases/{calls_id}/decision"),
            json!({"decision": "temporary_limit", "reason": "Limited to 200 calls a minute until the polling is fixed."}))
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["decision"], "temporary_limit");
    refused(
        &s.post(
            &agent,
            &format!("/api/v1/fair-use/cases/{calls_id}/decision"),
            json!({"decision": "normalised", "reason": "x"}),
        )
        .await,
        StatusCode::CONFLICT,
        "has been decided",
    );
    smtp.wait_for(15, "the decision", |m| {
        m.iter().any(|(to, _, body)| {
            to.contains("tom@acme.example") && body.contains("200 calls a minute")
        })
    })
    .await;

    // Acute disruption: a limit at once, recorded as such, without a finding.
    let (status, acute) = s
        .post(&agent, "/api/v1/fair-use/cases", json!({"component_id": beta_prod, "measure": "network",
            "reason": "Your bulk export saturated the network of the shared cluster.", "acute": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acute}");
    assert_eq!(
        (
            acute["state"].clone(),
            acute["decision"].clone(),
            acute["acute"].clone()
        ),
        (json!("decided"), json!("temporary_limit"), json!(true))
    );
    assert_eq!(acute["steps"][0]["kind"], "acute_measure");

    // Every step is in the audit trail.
    let (_, audit) = s.get(&s.admin, "/api/v1/audit?limit=200").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "usage.record",
        "fair_use.open",
        "fair_use.recheck",
        "fair_use.decide",
    ] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    s.stop().await;
}
