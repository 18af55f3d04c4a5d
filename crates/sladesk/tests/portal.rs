//! The portal and the agent workspace over HTTP, as a browser uses them (cookies, forms, CSRF
//! tokens), on both databases: what a customer may see and do, the queues' order and counters,
//! triage, and notification preferences against a real SMTP server.

mod common;

use common::post_form as post;
use common::{
    Backend, Database, Server, SmtpServer, browser, field, free_port, maildir, secret_in,
    test_config, totp, with_smtp,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;

on_both_databases!(
    a_customer_files_follows_and_is_kept_to_their_own,
    agents_work_queues_in_deadline_order,
    preferences_choose_which_mails_come,
    admins_edit_contracts_and_revoke_tokens,
    texts_carry_the_numbers_of_the_contract_in_force
);

/// The office hours and the silence before closing that pages and mails name come from the
/// policy in force for the ticket: a contract of its own (09:00–17:00, 5 working days) is told
/// so; a customer on the basis SLA is told 08:30–16:30 and 10 working days.
async fn texts_carry_the_numbers_of_the_contract_in_force(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let own = "[calendars.office-nl.hours]\nmonday = [\"09:00-17:00\"]\ntuesday = [\"09:00-17:00\"]\n\
               wednesday = [\"09:00-17:00\"]\nthursday = [\"09:00-17:00\"]\nfriday = [\"09:00-17:00\"]\n\
               [auto_close]\nworking_days = 5\n";
    let late = s.organization("Late Starters BV", Some(own)).await;
    let basis = s.organization("Acme", None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    for (org, email, hours, days) in [
        (late, "lotte@late.example", "09:00–17:00", "5 werkdagen"),
        (basis, "kim@acme.example", "08:30–16:30", "10 werkdagen"),
    ] {
        let customer = s.token(email, Role::Customer, Some(org)).await;
        let ticket = s.file_ticket(&customer, None, "Where is my invoice").await;
        let id = ticket["id"].as_i64().unwrap();
        // The ticket page tells the customer the office hours of their contract.
        let (b, _) = sign_in(&s, email).await;
        let (status, html) = page(&b, format!("{}/tickets/{id}", s.base)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(&format!("maandag tot en met vrijdag {hours}")),
            "{email}: {}",
            &html[html.find("Kantooruren").unwrap_or(0)..][..200.min(html.len())]
        );
        // Waiting for the customer: the mail names the silence before closing.
        for to in ["in_progress", "waiting_for_customer"] {
            let (status, _) = s
                .post(
                    &agent,
                    &format!("/api/v1/tickets/{id}/transitions"),
                    json!({"status": to}),
                )
                .await;
            assert!(status.is_success());
        }
        let mail = common::outbox(&db)
            .await
            .into_iter()
            .filter(|(to, _, _)| to == email)
            .find(|(_, _, body)| body.contains("wachten op je reactie"))
            .expect("the waiting mail");
        assert!(mail.2.contains(&format!("binnen {days}")), "{}", mail.2);
    }
    s.stop().await;
}

const PASSWORD: &str = "correct horse battery staple 42";

async fn page(b: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = b.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Signs in with the password; for staff also sets up and passes TOTP. Returns the client and
/// the session's CSRF token.
async fn sign_in(s: &Server, email: &str) -> (reqwest::Client, String) {
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password(email, PASSWORD).await.unwrap();
    let b = browser();
    let (_, login) = page(&b, format!("{}/login?lang=en", s.base)).await;
    let signed = post(
        &b,
        format!("{}/login", s.base),
        &[
            ("email", email),
            ("password", PASSWORD),
            ("csrf", &field(&login, "csrf")),
        ],
    )
    .await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    if signed.headers()["location"] == "/account/two-factor" {
        let (_, enrol) = page(&b, format!("{}/account/two-factor", s.base)).await;
        let code = totp(&secret_in(&enrol)).generate_current().unwrap();
        let passed = post(
            &b,
            format!("{}/account/two-factor", s.base),
            &[("code", &code), ("csrf", &field(&enrol, "csrf"))],
        )
        .await;
        assert_eq!(passed.status(), StatusCode::OK, "recovery codes shown");
    }
    let (status, home) = page(&b, format!("{}/account", s.base)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = field(&home, "csrf");
    (b, csrf)
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn a_customer_files_follows_and_is_kept_to_their_own(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let acme = s.organization("Acme", None).await;
    let globex = s.organization("Globex", None).await;
    s.token("kim@acme.example", Role::Customer, Some(acme))
        .await;
    let globex_ticket = s
        .file_ticket(&s.admin, Some(globex), "Globex secret plans")
        .await;
    let (b, csrf) = sign_in(&s, "kim@acme.example").await;

    // The pages allow nothing inline and nothing from elsewhere; their assets come from here.
    let response = b.get(format!("{}/tickets", s.base)).send().await.unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    for (asset, kind) in [
        ("/assets/sladesk.css", "text/css"),
        ("/assets/sladesk.js", "text/javascript"),
    ] {
        let response = b.get(format!("{}{asset}", s.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
    }
    let (status, empty) = page(&b, format!("{}/tickets", s.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("Geen tickets gevonden."), "Dutch by default");
    assert!(
        !empty.contains("Globex"),
        "only their own organisation's tickets"
    );

    // Filing: the form checks what the API checks.
    let refused = post(
        &b,
        format!("{}/tickets/new", s.base),
        &[
            ("csrf", &csrf),
            ("type", "incident"),
            ("product", "Toaster"),
            ("environment", "production"),
            ("subject", "x"),
            ("description", "y"),
            ("urgency", "high"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("valt niet onder het contract"),
        "the desk's reason, in the reader's language (Dutch by default)"
    );
    let filed = post(
        &b,
        format!("{}/tickets/new", s.base),
        &[
            ("csrf", &csrf),
            ("type", "incident"),
            ("product", "Qixium"),
            ("environment", "production"),
            ("subject", "Orders stuck at the gate"),
            ("description", "Nothing flows since nine."),
            ("urgency", "high"),
        ],
    )
    .await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let url = format!("{}{}", s.base, location(&filed));
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let (status, ticket) = page(&b, url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ticket.contains("Orders stuck at the gate"));
    assert!(
        ticket.contains("We reageren uiterlijk"),
        "the reaction clock in words"
    );
    assert!(
        ticket.contains("kantooruren") || ticket.contains("kantooruur") || ticket.contains(" min")
    );
    assert!(ticket.contains("Hoog"), "the customer's urgency is shown");
    let (_, stored) = s
        .get(&s.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert_eq!(stored[0]["data"]["urgency"], "high", "{stored}");

    // The link in a mail, opened signed out: sign in, and land on the ticket.
    let fresh = browser();
    let bounced = fresh.get(url.clone()).send().await.unwrap();
    assert_eq!(bounced.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&bounced), format!("/login?next=%2Ftickets%2F{id}"));
    let (_, login) = page(&fresh, format!("{}{}", s.base, location(&bounced))).await;
    let next = field(&login, "next");
    assert_eq!(
        next,
        format!("&#x2f;tickets&#x2f;{id}"),
        "carried in the form (escaped)"
    );
    for (next, landing) in [
        (format!("/tickets/{id}"), format!("/tickets/{id}")),
        ("//evil.example/x".to_string(), "/".to_string()),
    ] {
        let (_, login) = page(&fresh, format!("{}/login", s.base)).await;
        let signed = post(
            &fresh,
            format!("{}/login", s.base),
            &[
                ("email", "kim@acme.example"),
                ("password", PASSWORD),
                ("csrf", &field(&login, "csrf")),
                ("next", &next),
            ],
        )
        .await;
        assert_eq!(
            location(&signed),
            landing,
            "after signing in with next={next}"
        );
    }

    // Search and sort.
    let (_, found) = page(&b, format!("{}/tickets?q=gate&sort=oldest", s.base)).await;
    assert!(found.contains(&format!("/tickets/{id}\"")));
    let (_, missed) = page(&b, format!("{}/tickets?q=warehouse", s.base)).await;
    assert!(!missed.contains(&format!("/tickets/{id}\"")));
    // Words that are no words find nothing (rather than everything of the organisation).
    let (status, nothing) = page(&b, format!("{}/tickets?status=any&q=%21%21%21", s.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!nothing.contains(&format!("/tickets/{id}\"")));
    let (status, _) = page(&b, format!("{}/tickets?sort=sideways", s.base)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Another organisation's ticket, or no ticket at all: not found, and nothing of it shown.
    let foreign = globex_ticket["id"].as_i64().unwrap();
    let (status, body) = page(&b, format!("{}/tickets/{foreign}", s.base)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("Globex secret plans"));
    let (status, _) = page(&b, format!("{}/tickets/not-a-number", s.base)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let poke = post(
        &b,
        format!("{}/tickets/{foreign}/reply", s.base),
        &[("csrf", &csrf), ("body", "hi")],
    )
    .await;
    assert_eq!(poke.status(), StatusCode::NOT_FOUND);

    // Without its CSRF token a form is refused and changes nothing.
    let forged = post(
        &b,
        format!("{}/tickets/{id}/reply", s.base),
        &[("body", "forged")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, events) = s
        .get(&s.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert!(!events.to_string().contains("forged"));

    // What a customer may not do is refused with the reason; what they may, happens.
    let close = post(
        &b,
        format!("{}/tickets/{id}/status", s.base),
        &[("csrf", &csrf), ("to", "closed")],
    )
    .await;
    assert_eq!(close.status(), StatusCode::FORBIDDEN);
    let disputed = post(
        &b,
        format!("{}/tickets/{id}/dispute", s.base),
        &[("csrf", &csrf), ("reason", "production is down")],
    )
    .await;
    assert_eq!(disputed.status(), StatusCode::SEE_OTHER);
    let (_, events) = s
        .get(&s.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert!(events.to_string().contains("priority_dispute"), "{events}");
    for staff_page in ["/desk", "/desk/counts", "/admin"] {
        let (status, _) = page(&b, format!("{}{staff_page}", s.base)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{staff_page}");
    }
    // A reply while the desk waits for the customer moves the ticket back to In Progress.
    let (status, answer) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "waiting_for_customer"}),
        )
        .await;
    assert!(status.is_success(), "{answer}");
    let replied = post(
        &b,
        format!("{}/tickets/{id}/reply", s.base),
        &[("csrf", &csrf), ("body", "Still stuck.")],
    )
    .await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let (_, now) = s.get(&s.admin, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["status"], "in_progress", "{now}");
    s.stop().await;
}

/// The subjects of the queue page's rows, in order.
fn subjects(html: &str) -> Vec<String> {
    html.split("<tr class=\"row-")
        .skip(1)
        .filter_map(|row| {
            // The second link of a row is the subject.
            let second = row.match_indices("<a href=").nth(1)?.0;
            let start = row[second..].find('>')? + second + 1;
            Some(row[start..start + row[start..].find('<')?].to_string())
        })
        .collect()
}

async fn agents_work_queues_in_deadline_order(backend: Backend) {
    let db = Database::fresh(backend).await;
    // The clock stands still until the test moves it.
    let clock = sladesk::clock::Clock::manual(jiff::Timestamp::now());
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    let acme = s.organization("Acme", None).await;
    let customer = s
        .token("kim@acme.example", Role::Customer, Some(acme))
        .await;
    s.token("anna@vendor.example", Role::FirstLine, None).await;
    let normal = s.file_ticket(&customer, None, "Normal one").await;
    let (_, high) = s
        .post(&s.admin, "/api/v1/tickets", json!({"organization_id": acme, "type": "incident", "environment": "production",
            "product": "Qixium", "subject": "High one", "description": "urgent", "priority": "high"}))
        .await;
    let paused = s.file_ticket(&customer, None, "Paused one").await;
    let paused_id = paused["id"].as_i64().unwrap();
    let (status, answer) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{paused_id}/comments"),
            json!({"body": "Which order?", "visibility": "public"}),
        )
        .await;
    assert!(status.is_success(), "{answer}");
    let (status, answer) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{paused_id}/transitions"),
            json!({"status": "waiting_for_customer"}),
        )
        .await;
    assert!(status.is_success(), "{answer}");

    let (b, csrf) = sign_in(&s, "anna@vendor.example").await;
    let (status, queue) = page(&b, format!("{}/desk", s.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        subjects(&queue),
        ["High one", "Normal one", "Paused one"],
        "nearest deadline first, paused last"
    );
    assert!(
        queue.contains("row-paused"),
        "paused tickets are coloured as such"
    );
    let counts = |b: reqwest::Client| {
        let url = format!("{}/desk/counts?line=1", s.base);
        async move {
            b.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        counts(b.clone()).await,
        json!({"line": 3, "mine": 0, "unassigned": 3, "breached": 0})
    );
    let (_, breached) = page(&b, format!("{}/desk?view=breached", s.base)).await;
    assert!(subjects(&breached).is_empty());
    let (status, _) = page(&b, format!("{}/desk?view=everything", s.base)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = page(&b, format!("{}/desk?line=7", s.base)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The paused ticket explains its clocks: the stretch waiting for the customer did not count
    // (a minute later, so that the stretch since the last event is not empty).
    s.advance(jiff::SignedDuration::from_mins(1));
    let (_, explained) = page(&b, format!("{}/tickets/{paused_id}", s.base)).await;
    let explained = &explained[explained
        .find("id=\"sla-explained\"")
        .expect("the explanation")..];
    assert!(explained.contains("telt niet mee"), "{explained}");

    // Triage on the ticket page: the allowed moves only; assign, note, escalate.
    let id = normal["id"].as_i64().unwrap();
    let (_, ticket) = page(&b, format!("{}/tickets/{id}", s.base)).await;
    let moves = &ticket[ticket.find("id=\"move-to\"").unwrap()..];
    let moves = &moves[..moves.find("</select>").unwrap()];
    for (status, offered) in [
        ("in_progress", true),
        ("waiting_for_customer", true),
        ("closed", true),
        ("waiting_for_development", false),
    ] {
        assert_eq!(
            moves.contains(&format!("value=\"{status}\"")),
            offered,
            "{status} in {moves}"
        );
    }
    // The "assign to me" form's hidden field holds the agent's own id.
    let me: i64 = field(&ticket, "assignee").parse().unwrap();
    let assigned = post(
        &b,
        format!("{}/tickets/{id}/triage", s.base),
        &[("csrf", &csrf), ("assignee", &me.to_string())],
    )
    .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    assert_eq!(counts(b.clone()).await["mine"], 1);
    let (_, mine) = page(&b, format!("{}/desk?view=mine", s.base)).await;
    assert_eq!(subjects(&mine), ["Normal one"]);
    let noted = post(
        &b,
        format!("{}/tickets/{id}/reply", s.base),
        &[
            ("csrf", &csrf),
            ("kind", "note"),
            ("body", "Customer's VPN again"),
        ],
    )
    .await;
    assert_eq!(noted.status(), StatusCode::SEE_OTHER);
    let called = post(
        &b,
        format!("{}/tickets/{id}/reply", s.base),
        &[("csrf", &csrf), ("kind", "call"), ("body", "Called Kim")],
    )
    .await;
    assert_eq!(called.status(), StatusCode::SEE_OTHER);
    let (_, seen_by_customer) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert!(
        !seen_by_customer.to_string().contains("VPN")
            && !seen_by_customer.to_string().contains("Called Kim")
    );
    let illegal = post(
        &b,
        format!("{}/tickets/{id}/status", s.base),
        &[("csrf", &csrf), ("to", "waiting_for_development")],
    )
    .await;
    assert_eq!(illegal.status(), StatusCode::CONFLICT);
    let bad = post(
        &b,
        format!("{}/tickets/{id}/triage", s.base),
        &[("csrf", &csrf), ("priority", "whenever")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let escalated = post(
        &b,
        format!("{}/tickets/{id}/escalate", s.base),
        &[("csrf", &csrf), ("reason", "needs a developer's eye")],
    )
    .await;
    assert_eq!(escalated.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        counts(b.clone()).await,
        json!({"line": 2, "mine": 0, "unassigned": 2, "breached": 0})
    );
    let (_, line2) = page(&b, format!("{}/desk?line=2", s.base)).await;
    assert_eq!(subjects(&line2), ["Normal one"]);
    assert!(high["id"].is_i64());

    // After a customer's call, an agent files the ticket for them.
    let acme_text = acme.to_string();
    let (_, form) = page(&b, format!("{}/tickets/new", s.base)).await;
    assert!(form.contains("requester_email"));
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("organization_id", acme_text.as_str()),
        ("type", "question"),
        ("product", "Qixium"),
        ("environment", "test"),
        ("subject", "Called in: export format"),
        ("description", "See call."),
        ("urgency", "normal"),
        ("requester_email", "nobody@acme.example"),
    ];
    let unknown = post(&b, format!("{}/tickets/new", s.base), &fields).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("geen klant heeft het e-mailadres")
    );
    fields.pop();
    fields.push(("requester_email", "kim@acme.example"));
    let filed = post(&b, format!("{}/tickets/new", s.base), &fields).await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let id = location(&filed).rsplit('/').next().unwrap().to_string();
    let (_, ticket) = s.get(&customer, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(ticket["subject"], "Called in: export format");
    assert_eq!(
        ticket["requester_id"], normal["requester_id"],
        "filed for Kim, not the agent: {ticket}"
    );
    s.stop().await;
}

async fn preferences_choose_which_mails_come(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "portal-preferences"));
    let s = Server::start(with_smtp(test_config(&db.url), smtp.port)).await;
    let acme = s.organization("Acme", None).await;
    let customer = s
        .token("kim@acme.example", Role::Customer, Some(acme))
        .await;
    let (b, csrf) = sign_in(&s, "kim@acme.example").await;

    let bad = post(
        &b,
        format!("{}/account", s.base),
        &[
            ("csrf", &csrf),
            ("language", "en"),
            ("time_zone", "Mars/Olympus"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Status mails off, replies on; English; New York time.
    let saved = post(
        &b,
        format!("{}/account", s.base),
        &[
            ("csrf", &csrf),
            ("language", "en"),
            ("time_zone", "America/New_York"),
            ("mail_replies", "on"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let text = saved.text().await.unwrap();
    assert!(
        text.contains("Saved.") && text.contains("New_York"),
        "shown in the new language: {text}"
    );

    let ticket = s.file_ticket(&customer, None, "Invoices missing").await;
    let id = ticket["id"].as_i64().unwrap();
    let (status, answer) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "in_progress"}),
        )
        .await;
    assert!(status.is_success(), "{answer}");
    let (status, answer) = s
        .post(
            &s.admin,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "Found them.", "visibility": "public"}),
        )
        .await;
    assert!(status.is_success(), "{answer}");
    smtp.wait_for(20, "the reply mail", |mails| {
        mails
            .iter()
            .any(|(to, _, body)| to.contains("kim@acme.example") && body.contains("Found them."))
    })
    .await;
    // Had the status mail been wanted, it would be in the outbox with the reply (and the
    // receipt of filing, which is always sent: T1). The receipt tells the deadline in New
    // York time.
    let to_kim: Vec<_> = common::outbox(&db)
        .await
        .into_iter()
        .filter(|(to, _, _)| to.contains("kim@acme.example"))
        .collect();
    assert_eq!(
        to_kim.len(),
        2,
        "only the receipt and the reply: {to_kim:?}"
    );
    let due: jiff::Timestamp = ticket["sla"]["reaction"]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let due_there = due.to_zoned_datetime(jiff::tz::TimeZone::get("America/New_York").unwrap());
    assert!(
        to_kim[0].2.contains(&format!(
            "{:02}:{:02}",
            due_there.hour(),
            due_there.minute()
        )),
        "{to_kim:?}"
    );

    // Times on the pages are in the chosen zone: the ticket page's "filed" time is New York's.
    let (_, page_html) = page(&b, format!("{}/tickets/{id}", s.base)).await;
    let created: jiff::Timestamp = ticket["created_at"].as_str().unwrap().parse().unwrap();
    let local = created.to_zoned_datetime(jiff::tz::TimeZone::get("America/New_York").unwrap());
    assert!(
        page_html.contains(&format!("{:02}:{:02}", local.hour(), local.minute())),
        "New York time on the page"
    );
    s.stop().await;
    smtp.stop();
}

async fn admins_edit_contracts_and_revoke_tokens(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let acme = s.organization("Acme", None).await;
    let (b, csrf) = sign_in(&s, "admin@vendor.example").await;
    let (status, admin) = page(&b, format!("{}/admin", s.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(admin.contains(&format!("action=\"/admin/organizations/{acme}\"")));

    // A contract's own policy is checked like the API checks it: the bad key is named.
    let contract = |policy: &'static str, mfa: bool| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("name", "Acme".to_string()),
            ("tier", "support".to_string()),
            ("products", "Qixium, Portal".to_string()),
            ("valid_from", "2026-01-01".to_string()),
            ("valid_until", "".to_string()),
            ("policy", policy.to_string()),
        ];
        if mfa {
            form.push(("mfa_required", "on".to_string()));
        }
        b.post(format!("{}/admin/organizations/{acme}", s.base))
            .form(&form)
            .send()
    };
    let refused = contract("[priorities.high]\nreaction = \"soon\"", true)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().await.unwrap().contains("reaction"),
        "the key is named"
    );
    let (_, org) = s
        .get(&s.admin, &format!("/api/v1/organizations/{acme}"))
        .await;
    assert!(org["policy"].is_null(), "nothing stored: {org}");
    let saved = contract("[priorities.high]\nreaction = \"1h\"", true)
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, org) = s
        .get(&s.admin, &format!("/api/v1/organizations/{acme}"))
        .await;
    assert_eq!(org["products"], json!(["Qixium", "Portal"]));
    assert_eq!(org["valid_from"], "2026-01-01");
    assert!(org["policy"].as_str().unwrap().contains("1h"));
    let (_, high) = s
        .post(&s.admin, "/api/v1/tickets", json!({"organization_id": acme, "type": "incident", "environment": "production",
            "product": "Portal", "subject": "Login broken", "description": "for everyone", "priority": "high"}))
        .await;
    assert_eq!(
        high["sla"]["reaction"]["target_seconds"], 3600,
        "the contract's own target applies: {high}"
    );
    let (_, admin) = page(&b, format!("{}/admin", s.base)).await;
    assert!(
        admin.contains("name=\"mfa_required\" value=\"on\" class=\"check\" checked"),
        "the MFA policy is shown as set"
    );

    // Tokens: listed without their secret, revoked, refused from then on.
    let spare = s
        .token("robot@acme.example", Role::Customer, Some(acme))
        .await;
    let (status, tokens) = s.get(&s.admin, "/api/v1/tokens").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !tokens.to_string().contains(&spare),
        "never the token itself"
    );
    let id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["email"] == "robot@acme.example")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = s.get(&spare, "/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "customers do not see tokens");
    let revoked = post(
        &b,
        format!("{}/admin/tokens/{id}/revoke", s.base),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    // The token cache keeps an accepted token for up to 10 s; wait that out, then it is refused.
    common::eventually(15, "the revoked token is refused", || async {
        (s.get(&spare, "/api/v1/tickets").await.0 == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    let (status, _) = s
        .call(
            Some(&s.admin),
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked already");

    // People who left are deactivated: no sign-in, no session, no token; and let back in.
    let kim_token = s
        .token("kim@acme.example", Role::Customer, Some(acme))
        .await;
    let (kim_client, _) = sign_in(&s, "kim@acme.example").await;
    let (_, kim) = s.get(&kim_token, "/api/v1/tickets").await;
    assert!(kim["items"].is_array());
    let (_, users) = s.get(&s.admin, "/api/v1/users").await;
    let kim_id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "kim@acme.example")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let off = post(
        &b,
        format!("{}/admin/users/{kim_id}/active", s.base),
        &[("csrf", &csrf), ("active", "no")],
    )
    .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let (status, _) = page(&kim_client, format!("{}/tickets", s.base)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session ended");
    let (_, login) = page(&kim_client, format!("{}/login", s.base)).await;
    let refused = post(
        &kim_client,
        format!("{}/login", s.base),
        &[
            ("email", "kim@acme.example"),
            ("password", PASSWORD),
            ("csrf", &field(&login, "csrf")),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused.text().await.unwrap().contains("gedeactiveerd"),
        "said so, in Dutch"
    );
    common::eventually(15, "the deactivated person's token is refused", || async {
        (s.get(&kim_token, "/api/v1/tickets").await.0 == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    let (_, me) = s.get(&s.admin, "/api/v1/users").await;
    let admin_id = me["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "admin@vendor.example")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &format!("/api/v1/users/{admin_id}/active"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nobody locks themselves out");
    let (status, back) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &format!("/api/v1/users/{kim_id}/active"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["active"], true);
    // Let back in: the password is accepted again (the second step follows, Acme requires it).
    let (_, login) = page(&kim_client, format!("{}/login", s.base)).await;
    let again = post(
        &kim_client,
        format!("{}/login", s.base),
        &[
            ("email", "kim@acme.example"),
            ("password", PASSWORD),
            ("csrf", &field(&login, "csrf")),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), "/login/code");
    s.stop().await;
}
