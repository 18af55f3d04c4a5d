//! Security hardening (X1, X3), tried as an attacker would against a real server on SQLite and
//! PostgreSQL: guessing the second step, sessions after a password reset, control characters,
//! unbounded metrics, mail flooding, headers, lockouts, staff networks and disclosure.

mod common;

use common::{
    Backend, Database, Server, SmtpServer, browser, field, free_port, maildir, page_text,
    post_form, secret_in, sign_in_attempt, test_config, totp, with_smtp,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;
use sqlx::Connection;

on_both_databases!(
    second_step_guessing_is_limited,
    a_password_reset_ends_every_session,
    control_characters_are_refused_and_searches_never_fail,
    metrics_are_bounded_and_not_public,
    status_subscriptions_do_not_flood_a_mailbox,
    security_headers_on_every_response,
    a_stranger_cannot_keep_a_person_locked_out,
    staff_networks_limit_sign_in_and_tokens,
    vulnerability_reports_are_confidential,
);

const PASSWORD: &str = "correct horse battery staple 42";

/// Signs a new browser in as a staff member for the first time, enrolling the second step;
/// returns the TOTP secret.
async fn enrolled(s: &Server, email: &str) -> String {
    let b = browser();
    let first = sign_in_attempt(&b, &s.base, email, PASSWORD, None).await;
    assert_eq!(first.headers()["location"], "/account/two-factor");
    let enrol = page_text(&b, format!("{}/account/two-factor", s.base)).await;
    let secret = secret_in(&enrol);
    let done = post_form(
        &b,
        format!("{}/account/two-factor", s.base),
        &[
            ("code", &totp(&secret).generate_current().unwrap()),
            ("csrf", &field(&enrol, "csrf")),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK, "enrolled");
    secret
}

/// The audit trail's actions, newest first.
async fn audit_actions(s: &Server) -> Vec<(String, String)> {
    let (status, page) = s.get(&s.admin, "/api/v1/audit?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn database(db: &Database) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&db.url).await.unwrap()
}

/// Finding 1: 50 wrong codes after a right password, then the right code: refused. The
/// half-signed-in session ends after 3 wrong codes, and the person is told by mail.
async fn second_step_guessing_is_limited(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "codes"));
    let s = Server::start(with_smtp(test_config(&db.url), smtp.port)).await;
    s.token("eva@vendor.example", Role::FirstLine, None).await;
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("eva@vendor.example", PASSWORD)
        .await
        .unwrap();
    let secret = enrolled(&s, "eva@vendor.example").await;

    // The attacker has the password and guesses codes, signing in again whenever the
    // half-signed-in session is ended.
    let attacker = browser();
    let mut sessions_ended = 0;
    let mut form = String::new();
    for guess in 0..50 {
        if form.is_empty() {
            let step =
                sign_in_attempt(&attacker, &s.base, "eva@vendor.example", PASSWORD, None).await;
            assert_eq!(step.headers()["location"], "/login/code", "guess {guess}");
            form = page_text(&attacker, format!("{}/login/code", s.base)).await;
        }
        let wrong = format!("{:06}", (guess * 7919 + 13) % 1_000_000);
        let answer = post_form(
            &attacker,
            format!("{}/login/code", s.base),
            &[("code", &wrong), ("csrf", &field(&form, "csrf"))],
        )
        .await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "guess {guess}");
        let page = answer.text().await.unwrap();
        if page.contains("action=\"/login\"") {
            sessions_ended += 1;
            form.clear();
        }
    }
    assert!(
        sessions_ended >= 1,
        "a few wrong codes end the half-signed-in session"
    );

    // The right code now: still refused, because the second step is locked.
    if form.is_empty() {
        sign_in_attempt(&attacker, &s.base, "eva@vendor.example", PASSWORD, None).await;
        form = page_text(&attacker, format!("{}/login/code", s.base)).await;
    }
    let right = totp(&secret).generate(jiff::Timestamp::now().as_second() as u64 + 30);
    let refused = post_form(
        &attacker,
        format!("{}/login/code", s.base),
        &[("code", &right), ("csrf", &field(&form, "csrf"))],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("too many failed attempts") || text.contains("te veel mislukte pogingen"),
        "the lock, not a wrong code, refuses it: {text}"
    );
    let staff = attacker
        .get(format!("{}/desk", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(staff.status(), StatusCode::SEE_OTHER, "not signed in");

    // Eva is told, once, and the audit trail has the failures and the lock.
    let mails = smtp
        .wait_for(15, "the lockout mail", |m| {
            m.iter().any(|(_, subject, _)| {
                subject.contains("Wrong sign-in codes") || subject.contains("Verkeerde inlogcodes")
            })
        })
        .await;
    let lock_mails = mails
        .iter()
        .filter(|(to, subject, _)| {
            to.contains("eva@")
                && (subject.contains("Verkeerde inlogcodes")
                    || subject.contains("Wrong sign-in codes"))
        })
        .count();
    assert_eq!(lock_mails, 1);
    let actions = audit_actions(&s).await;
    assert!(actions.iter().filter(|(a, _)| a == "signin.failed").count() >= 5);
    assert!(actions.iter().any(|(a, _)| a == "signin.locked"));
    smtp.stop();
    s.stop().await;
}

/// Finding 2: a session from before a password reset is gone after it, and the mail says so.
async fn a_password_reset_ends_every_session(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "reset"));
    let s = Server::start(with_smtp(test_config(&db.url), smtp.port)).await;
    let org = s.organization("Acme", None).await;
    s.token("jan@acme.example", Role::Customer, Some(org)).await;
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("jan@acme.example", PASSWORD)
        .await
        .unwrap();

    // The thief's browser is signed in with the leaked password.
    let thief = browser();
    let signed = sign_in_attempt(&thief, &s.base, "jan@acme.example", PASSWORD, None).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let inside = thief
        .get(format!("{}/tickets", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(inside.status(), StatusCode::OK);

    // Jan resets the password through the mailed link.
    let jan = browser();
    let form = page_text(&jan, format!("{}/password-reset?lang=en", s.base)).await;
    post_form(
        &jan,
        format!("{}/password-reset", s.base),
        &[
            ("email", "jan@acme.example"),
            ("csrf", &field(&form, "csrf")),
            ("lang", "en"),
        ],
    )
    .await;
    let mails = smtp
        .wait_for(15, "the reset mail", |m| {
            m.iter()
                .any(|(_, _, body)| body.contains("/activate?token="))
        })
        .await;
    let body = &mails
        .iter()
        .find(|(_, _, body)| body.contains("/activate?token="))
        .unwrap()
        .2;
    assert!(
        body.contains("uitgelogd") || body.contains("signs you out"),
        "the reset mail says a new password signs you out: {body}"
    );
    let start = body.find("token=").unwrap() + 6;
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let page = page_text(&jan, format!("{}/activate?token={token}&lang=en", s.base)).await;
    let done = post_form(
        &jan,
        format!("{}/activate", s.base),
        &[
            ("token", &token),
            ("password", "a brand new phrase for jan 2026"),
            ("csrf", &field(&page, "csrf")),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);

    // The thief is out.
    let after = thief
        .get(format!("{}/tickets", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(
        after.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // One mail: setting the first password changed nothing, the reset did.
    let told = smtp
        .wait_for(15, "the password-changed mail", |m| {
            m.iter()
                .any(|(_, subject, _)| subject.contains("wachtwoord is gewijzigd"))
        })
        .await;
    assert_eq!(
        told.iter()
            .filter(|(_, subject, _)| subject.contains("wachtwoord is gewijzigd"))
            .count(),
        1
    );
    assert!(
        told.iter()
            .any(|(_, _, body)| body.contains("(1 open sessies")),
        "the mail says the thief's session ended: {told:?}"
    );
    smtp.stop();
    s.stop().await;
}

/// Finding 3: NUL (and other control characters) give a 4xx naming the field on both doors,
/// store nothing, and no search input gives a 5xx.
async fn control_characters_are_refused_and_searches_never_fail(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let org = s.organization("Acme", None).await;
    let kim = s.token("kim@acme.example", Role::Customer, Some(org)).await;
    let ticket = s.file_ticket(&kim, None, "Sync fails").await;
    let id = ticket["id"].as_i64().unwrap();

    for q in ["%00", "a%00b", "%01", "%1B%5B31m"] {
        let (status, problem) = s.get(&kim, &format!("/api/v1/tickets?q={q}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "q={q}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("`q`"),
            "{problem}"
        );
    }
    let base = json!({"type": "incident", "environment": "production", "product": "Qixium",
        "subject": "ok", "description": "ok"});
    for field_name in ["subject", "description", "product"] {
        let mut body = base.clone();
        body[field_name] = json!("bad\u{0}value");
        let (status, problem) = s.post(&kim, "/api/v1/tickets", body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field_name}: {problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("`{field_name}`")),
            "{problem}"
        );
    }
    let (status, problem) = s
        .post(
            &kim,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "hi\u{0}", "visibility": "public"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("`body`"),
        "{problem}"
    );
    let (status, problem) = s
        .post(
            &s.admin,
            "/api/v1/organizations",
            json!({"name": "Evil\u{0}Corp", "tier": "support"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("`name`"),
        "{problem}"
    );
    // A line break in a subject is refused too; newlines and tabs in long texts are fine.
    let mut body = base.clone();
    body["subject"] = json!("two\nlines");
    let (status, problem) = s.post(&kim, "/api/v1/tickets", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["detail"], "onderwerp moet op één regel staan",
        "in Kim's language"
    );
    let (status, _) = s
        .post(
            &kim,
            &format!("/api/v1/tickets/{id}/comments"),
            json!({"body": "line one\n\tline two", "visibility": "public"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Nothing of the refused input was stored.
    let mut conn = database(&db).await;
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(tickets, 1);
    let organizations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(organizations, 1);

    // The pages: a signed-in customer's search and form.
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("kim@acme.example", PASSWORD)
        .await
        .unwrap();
    let b = browser();
    sign_in_attempt(&b, &s.base, "kim@acme.example", PASSWORD, None).await;
    let page = b
        .get(format!("{}/tickets?q=%00", s.base))
        .header("accept", "text/html")
        .header("accept-language", "nl")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text().await.unwrap().contains("stuurteken"),
        "in the reader's language"
    );
    let form = page_text(&b, format!("{}/tickets/new", s.base)).await;
    let filed = post_form(
        &b,
        format!("{}/tickets/new", s.base),
        &[
            ("csrf", &field(&form, "csrf")),
            ("type", "incident"),
            ("environment", "production"),
            ("product", "Qixium"),
            ("subject", "nul\u{0}here"),
            ("description", "x"),
        ],
    )
    .await;
    assert_eq!(filed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(filed.text().await.unwrap().contains("subject"));

    // Searches with whatever a person might type: never a server error.
    for q in [
        "\"",
        "'",
        "*",
        "(",
        ")",
        "NEAR(",
        "a OR",
        "-",
        "^",
        ":",
        "{subject}",
        "\\",
        "%",
        "_",
        "é",
        "🙂",
        "a\"b",
        "AND",
        "NOT",
        "' OR 1=1 --",
        "\u{fffd}",
        "x\ty",
        "line\nbreak",
    ] {
        let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let (status, body) = s.get(&kim, &format!("/api/v1/tickets?q={encoded}")).await;
        assert!(status.is_success(), "q={q:?}: {status} {body}");
        let page = b
            .get(format!("{}/tickets?q={encoded}", s.base))
            .send()
            .await
            .unwrap();
        assert!(
            page.status().is_success(),
            "page q={q:?}: {}",
            page.status()
        );
    }
    let long = "a".repeat(5000);
    let (status, _) = s.get(&kim, &format!("/api/v1/tickets?q={long}")).await;
    assert!(status.is_success() || status.is_client_error(), "{status}");
    s.stop().await;
}

/// Finding 4: junk methods do not add counter lines; `/metrics` is for this machine, the
/// metrics token, or a listener of its own.
async fn metrics_are_bounded_and_not_public(backend: Backend) {
    let db = Database::fresh(backend).await;
    let metrics_port = free_port();
    let mut config = test_config(&db.url);
    config.metrics.token = "scrape-me-0123456789".into();
    let s = Server::start(config).await;
    let lines = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("sladesk_http_requests"))
            .count()
    };
    let before = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), StatusCode::OK, "from this machine");
    let before = lines(&before.text().await.unwrap());
    for n in 0..200 {
        let method = Method::from_bytes(format!("JUNK{n}").as_bytes()).unwrap();
        s.client
            .request(method, format!("{}/api/v1/tickets", s.base))
            .send()
            .await
            .unwrap();
    }
    let after = page_text(&s.client, format!("{}/metrics", s.base)).await;
    assert!(after.contains("method=\"other\""), "{after}");
    assert!(
        lines(&after) <= before + 3,
        "{} lines before, {} after",
        before,
        lines(&after)
    );

    // Through a proxy (a forwarded request), not without the token; with it, yes.
    let forwarded = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::FORBIDDEN);
    let with_token = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth("scrape-me-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), StatusCode::OK);
    s.stop().await;

    // A listener of its own: the main one no longer serves /metrics.
    let mut config = test_config(&db.url);
    config.metrics.listen = Some(format!("127.0.0.1:{metrics_port}").parse().unwrap());
    let s = Server::start(config).await;
    let main = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), StatusCode::NOT_FOUND);
    let own = s
        .client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(own.text().await.unwrap().contains("sladesk_http_requests"));
    s.stop().await;
}

/// Finding 5: ten subscriptions of one address send at most one mail in an hour; a post
/// without the form's token is refused; an address that keeps posting is slowed down.
async fn status_subscriptions_do_not_flood_a_mailbox(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let forged = s
        .client
        .post(format!("{}/status/subscribe", s.base))
        .form(&[("email", "victim@example.com"), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let b = browser();
    let page = page_text(&b, format!("{}/status", s.base)).await;
    let csrf = field(&page, "csrf");
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let answer = post_form(
            &b,
            format!("{}/status/subscribe", s.base),
            &[("email", "victim@example.com"), ("csrf", &csrf)],
        )
        .await;
        statuses.push(answer.status());
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "one address posting ten times is slowed down: {statuses:?}"
    );
    // The outbox holds what will be mailed: one confirmation for the address.
    let mut conn = database(&db).await;
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'victim@example.com'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(queued, 1);
    s.stop().await;
}

/// Finding 6: the security headers on the status page, a page, an error and the API; HSTS
/// when the public URL is https.
async fn security_headers_on_every_response(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let check = |response: &reqwest::Response, what: &str, hsts: bool| {
        let h = response.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{what}: no CSP"))
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{what}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert!(h.contains_key("referrer-policy"), "{what}");
        assert_eq!(h.contains_key("strict-transport-security"), hsts, "{what}");
    };
    let get = |path: &str| s.client.get(format!("{}{path}", s.base)).send();
    check(&get("/status").await.unwrap(), "status page", false);
    check(&get("/login").await.unwrap(), "sign-in page", false);
    check(&get("/no/such/page").await.unwrap(), "an error", false);
    check(&get("/api/v1/tickets").await.unwrap(), "the API", false);
    // A plain-text error that echoes its input (a malformed form).
    let plain = s
        .client
        .post(format!("{}/login", s.base))
        .form(&[("email", "<script>x</script>")])
        .send()
        .await
        .unwrap();
    assert!(plain.status().is_client_error());
    check(&plain, "a plain-text error", false);
    s.stop().await;

    let mut config = test_config(&db.url);
    config.public_url = "https://desk.example".into();
    let s = Server::start(config).await;
    let response = s
        .client
        .get(format!("{}/status", s.base))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    s.stop().await;
}

/// Finding 7: a stranger failing a person's password from one address locks that address,
/// not the person; only failures from many addresses hold the person back, briefly, and
/// then the person is told.
async fn a_stranger_cannot_keep_a_person_locked_out(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "lockout"));
    let mut config = with_smtp(test_config(&db.url), smtp.port);
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let s = Server::start(config).await;
    let org = s.organization("Acme", None).await;
    s.token("jan@acme.example", Role::Customer, Some(org)).await;
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("jan@acme.example", PASSWORD)
        .await
        .unwrap();

    let stranger = Some("203.0.113.9");
    for _ in 0..6 {
        let failed = sign_in_attempt(
            &browser(),
            &s.base,
            "jan@acme.example",
            "wrong wrong wrong",
            stranger,
        )
        .await;
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    }
    // The stranger's address is locked, even with the right password…
    let locked = sign_in_attempt(&browser(), &s.base, "jan@acme.example", PASSWORD, stranger).await;
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("too many failed attempts")
    );
    // …but Jan, from home, signs in at once.
    let home = sign_in_attempt(
        &browser(),
        &s.base,
        "jan@acme.example",
        PASSWORD,
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(
        home.status(),
        StatusCode::SEE_OTHER,
        "a stranger does not lock Jan out"
    );

    // Failures from many addresses: Jan is held back for a minute at most, and told.
    for n in 0..11 {
        let via = format!("192.0.2.{}", 10 + n);
        sign_in_attempt(
            &browser(),
            &s.base,
            "jan@acme.example",
            "wrong wrong wrong",
            Some(&via),
        )
        .await;
    }
    let held = sign_in_attempt(
        &browser(),
        &s.base,
        "jan@acme.example",
        PASSWORD,
        Some("198.51.100.7"),
    )
    .await;
    let text = held.text().await.unwrap();
    let seconds: i64 = text
        .split("try again in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("held back with a wait: {text}"));
    assert!((1..=60).contains(&seconds), "{seconds}");
    smtp.wait_for(15, "the lockout notice", |m| {
        m.iter().any(|(to, subject, _)| {
            to.contains("jan@")
                && (subject.contains("Mislukte inlogpogingen")
                    || subject.contains("Failed sign-in"))
        })
    })
    .await;
    let actions = audit_actions(&s).await;
    assert!(actions.iter().filter(|(a, _)| a == "signin.failed").count() >= 17);
    assert!(actions.iter().any(|(a, _)| a == "signin.locked"));
    smtp.stop();
    s.stop().await;
}

/// X1: staff sign in and use their tokens only from the configured networks; customers
/// anywhere. Refusals are audited.
async fn staff_networks_limit_sign_in_and_tokens(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut config = test_config(&db.url);
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    config.staff_networks = vec![
        "10.0.0.0/8".parse().unwrap(),
        "127.0.0.1/32".parse().unwrap(),
    ];
    let s = Server::start(config).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let org = s.organization("Acme", None).await;
    let kim = s.token("kim@acme.example", Role::Customer, Some(org)).await;
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("eva@vendor.example", PASSWORD)
        .await
        .unwrap();
    desk.set_password("kim@acme.example", PASSWORD)
        .await
        .unwrap();

    let outside = Some("203.0.113.5");
    let refused =
        sign_in_attempt(&browser(), &s.base, "eva@vendor.example", PASSWORD, outside).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.unwrap().contains("network"));
    let inside = sign_in_attempt(
        &browser(),
        &s.base,
        "eva@vendor.example",
        PASSWORD,
        Some("10.1.2.3"),
    )
    .await;
    assert_eq!(inside.status(), StatusCode::SEE_OTHER);
    let customer =
        sign_in_attempt(&browser(), &s.base, "kim@acme.example", PASSWORD, outside).await;
    assert_eq!(
        customer.status(),
        StatusCode::SEE_OTHER,
        "customers are not limited"
    );

    let api = |token: String, via: &'static str| {
        s.client
            .get(format!("{}/api/v1/tickets", s.base))
            .bearer_auth(token)
            .header("x-forwarded-for", via)
            .send()
    };
    assert_eq!(
        api(agent.clone(), "203.0.113.5").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api(agent.clone(), "10.9.9.9").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        api(kim.clone(), "203.0.113.5").await.unwrap().status(),
        StatusCode::OK
    );
    let actions = audit_actions(&s).await;
    assert!(
        actions.iter().any(|(a, _)| a == "signin.network_refused"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|(a, _)| a == "token.network_refused"),
        "{actions:?}"
    );
    s.stop().await;
}

/// X3: security.txt names the contact; the disclosure page in both languages takes a report,
/// which becomes a ticket only admins and the SaaS team see. The reporter gets a receipt.
async fn vulnerability_reports_are_confidential(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut smtp = SmtpServer::start_on(free_port(), &maildir(&db, "security"));
    let mut config = with_smtp(test_config(&db.url), smtp.port);
    config.security_contact = "mailto:security@vendor.example".into();
    config.public_url = "https://desk.vendor.example".into();
    let s = Server::start(config).await;
    let saas = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let org = s.organization("Acme", None).await;
    let kim = s.token("kim@acme.example", Role::Customer, Some(org)).await;

    let txt = s
        .client
        .get(format!("{}/.well-known/security.txt", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(txt.status(), StatusCode::OK);
    assert!(
        txt.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let txt = txt.text().await.unwrap();
    let fields: Vec<(&str, &str)> = txt
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(": ").expect("field: value"))
        .collect();
    let contacts: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| *k == "Contact")
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(
        contacts,
        [
            "mailto:security@vendor.example",
            "https://desk.vendor.example/security"
        ]
    );
    let expires: jiff::Timestamp = fields
        .iter()
        .find(|(k, _)| *k == "Expires")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let days = expires.duration_since(jiff::Timestamp::now()).as_secs() / 86_400;
    assert!((1..365).contains(&days), "{days}");
    assert_eq!(fields.iter().filter(|(k, _)| *k == "Expires").count(), 1);

    // The page, in both languages.
    let b = browser();
    let en = page_text(&b, format!("{}/security?lang=en", s.base)).await;
    assert!(en.contains("Reporting a vulnerability") && en.contains("security@vendor.example"));
    let nl = page_text(&b, format!("{}/security", s.base)).await;
    assert!(nl.contains("Een kwetsbaarheid melden"));
    let filed = post_form(
        &b,
        format!("{}/security", s.base),
        &[
            ("csrf", &field(&nl, "csrf")),
            ("name", "Rita Researcher"),
            ("email", "rita@researcher.example"),
            ("subject", "Stored XSS in the ticket subject"),
            ("description", "Steps:\n1. File a ticket\n2. …"),
        ],
    )
    .await;
    assert_eq!(filed.status(), StatusCode::OK);
    let done = filed.text().await.unwrap();
    let number = done
        .split("SD-")
        .nth(1)
        .map(|rest| format!("SD-{}", &rest[..6]))
        .expect("the report's number is shown");
    let id: i64 = number[3..].parse().unwrap();

    // Only admins and the SaaS team see it.
    let (status, ticket) = s.get(&saas, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert!(ticket["subject"].as_str().unwrap().contains("Stored XSS"));
    let (status, _) = s.get(&s.admin, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for (who, token) in [("an agent", &agent), ("a customer", &kim)] {
        let (status, _) = s.get(token, &format!("/api/v1/tickets/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        let (_, list) = s.get(token, "/api/v1/tickets?q=XSS").await;
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(0),
            "{who}: {list}"
        );
        let (_, list) = s.get(token, "/api/v1/tickets").await;
        assert!(
            !list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == json!(id)),
            "{who}"
        );
    }
    let (status, _) = s
        .patch(
            &s.admin,
            &format!("/api/v1/tickets/{id}"),
            json!({"line": 1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "it stays off the support lines"
    );
    let (_, list) = s.get(&saas, "/api/v1/tickets").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == json!(id))
    );

    // The reporter's receipt and the SaaS team's notice.
    let mails = smtp
        .wait_for(15, "the receipt and the notice", |m| {
            m.iter().any(|(to, _, _)| to.contains("rita@"))
                && m.iter().any(|(to, _, _)| to.contains("ops@"))
        })
        .await;
    let receipt: &Value = &json!(
        mails
            .iter()
            .find(|(to, _, _)| to.contains("rita@"))
            .unwrap()
            .1
    );
    assert!(receipt.as_str().unwrap().contains(&number), "{receipt}");
    smtp.stop();
    s.stop().await;
}
