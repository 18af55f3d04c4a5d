//! Signing in to the web pages (password, then TOTP, mandatory for staff), sessions, CSRF,
//! back-off, and the staff's availability page — over HTTP with a cookie-keeping client.

mod common;

use common::{Backend, Database, Server, browser, field, post_form, secret_in, test_config, totp};
use reqwest::StatusCode;
use serde_json::json;
use sladesk::domain::accounts::Role;

on_both_databases!(
    staff_sign_in_with_two_steps_and_see_availability,
    sign_in_refuses_what_it_should
);

const PASSWORD: &str = "correct horse battery staple 42";

async fn staff_sign_in_with_two_steps_and_see_availability(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    let ops = s.token("ops@vendor.example", Role::SaasTeam, None).await;
    let desk = &s.running.as_ref().unwrap().desk;
    assert!(
        desk.set_password("ops@vendor.example", "password123")
            .await
            .is_err(),
        "weak passwords are refused"
    );
    desk.set_password("ops@vendor.example", PASSWORD)
        .await
        .unwrap();
    let (_, component) = s
        .post(
            &ops,
            "/api/v1/components",
            json!({"name": "Production platform", "production": true}),
        )
        .await;

    let b = browser();
    let login = b
        .get(format!("{}/login?lang=en", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("Sign in") && login.contains("autocomplete=\"current-password\""));
    let csrf = field(&login, "csrf");

    // Wrong password: refused, and the form comes back.
    let wrong = post_form(
        &b,
        format!("{}/login", s.base),
        &[
            ("email", "ops@vendor.example"),
            ("password", "nope nope nope"),
            ("csrf", &csrf),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let csrf = field(&wrong.text().await.unwrap(), "csrf");

    // Right password: staff must set up the second step first.
    let ok = post_form(
        &b,
        format!("{}/login", s.base),
        &[
            ("email", "ops@vendor.example"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/account/two-factor");
    let set_cookie = ok.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    // Not yet through: the staff pages send us back to sign in.
    let early = b.get(format!("{}/staff", s.base)).send().await.unwrap();
    assert_eq!(early.status(), StatusCode::SEE_OTHER);

    let enrol = b
        .get(format!("{}/account/two-factor", s.base))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(enrol.contains("<svg"), "a QR code is shown");
    let secret = secret_in(&enrol);
    let csrf = field(&enrol, "csrf");
    let bad = post_form(
        &b,
        format!("{}/account/two-factor", s.base),
        &[("code", "000000"), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let code = totp(&secret).generate_current().unwrap();
    let good = post_form(
        &b,
        format!("{}/account/two-factor", s.base),
        &[("code", &code), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    // Enrolled: ten one-time recovery codes, shown once.
    let shown = good.text().await.unwrap();
    let recovery: Vec<String> = shown
        .split("<code>")
        .skip(1)
        .map(|c| c[..c.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(recovery.len(), 10, "{shown}");

    // Signed in: the staff pages, with the availability report.
    let home = b.get(format!("{}/staff", s.base)).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(home.headers()["cache-control"], "no-store");
    assert!(home.text().await.unwrap().contains("Production platform"));
    let report = b
        .get(format!(
            "{}/staff/availability?component={}&month=2026-03",
            s.base, component["id"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.unwrap();
    assert!(
        report.contains("100.000 %") && report.contains("743 h"),
        "{report}"
    );

    // The same code is not accepted twice (a second browser signs in within the same step).
    let other = browser();
    let login = other
        .get(format!("{}/login", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let again = post_form(
        &other,
        format!("{}/login", s.base),
        &[
            ("email", "ops@vendor.example"),
            ("password", PASSWORD),
            ("csrf", &field(&login, "csrf")),
        ],
    )
    .await;
    assert_eq!(again.headers()["location"], "/login/code");
    let form = other
        .get(format!("{}/login/code", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let replay = post_form(
        &other,
        format!("{}/login/code", s.base),
        &[("code", &code), ("csrf", &field(&form, "csrf"))],
    )
    .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    // The next step's code is fine (clock drift of one step is allowed).
    let next = totp(&secret).generate(jiff::Timestamp::now().as_second() as u64 + 30);
    let through = post_form(
        &other,
        format!("{}/login/code", s.base),
        &[("code", &next), ("csrf", &field(&form, "csrf"))],
    )
    .await;
    assert_eq!(through.status(), StatusCode::SEE_OTHER);

    // A recovery code signs in once, in place of the app's code.
    let with_code = |code: String| {
        let base = s.base.clone();
        async move {
            let c = browser();
            let login = c
                .get(format!("{base}/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            post_form(
                &c,
                format!("{base}/login"),
                &[
                    ("email", "ops@vendor.example"),
                    ("password", PASSWORD),
                    ("csrf", &field(&login, "csrf")),
                ],
            )
            .await;
            let form = c
                .get(format!("{base}/login/code"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            post_form(
                &c,
                format!("{base}/login/code"),
                &[("code", &code), ("csrf", &field(&form, "csrf"))],
            )
            .await
            .status()
        }
    };
    assert_eq!(with_code(recovery[0].clone()).await, StatusCode::SEE_OTHER);
    assert_eq!(
        with_code(recovery[0].clone()).await,
        StatusCode::UNAUTHORIZED
    );

    // Sign out needs the session's CSRF token; "everywhere" ends the other browser's session too.
    let page = b
        .get(format!("{}/staff", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let forged = post_form(
        &b,
        format!("{}/logout/everywhere", s.base),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let out = post_form(
        &b,
        format!("{}/logout/everywhere", s.base),
        &[("csrf", &field(&page, "csrf"))],
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    for client in [&b, &other] {
        assert_eq!(
            client
                .get(format!("{}/staff", s.base))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::SEE_OTHER
        );
    }
    s.stop().await;
}

/// Opens the sign-in page (for its CSRF token) and submits it.
async fn attempt(
    b: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    common::sign_in_attempt(b, base, email, password, None).await
}

async fn sign_in_refuses_what_it_should(backend: Backend) {
    let db = Database::fresh(backend).await;
    let s = Server::start(test_config(&db.url)).await;
    s.token("eva@vendor.example", Role::FirstLine, None).await;
    let desk = &s.running.as_ref().unwrap().desk;
    desk.set_password("eva@vendor.example", PASSWORD)
        .await
        .unwrap();

    // A form posted without its CSRF token (or from another site) is refused.
    let b = browser();
    let no_token = post_form(
        &b,
        format!("{}/login", s.base),
        &[
            ("email", "eva@vendor.example"),
            ("password", PASSWORD),
            ("csrf", "x"),
        ],
    )
    .await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);

    // Repeated failures lock the address for a while, even for the right password.
    for _ in 0..6 {
        assert_eq!(
            attempt(&b, &s.base, "eva@vendor.example", "wrong wrong wrong")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt(&b, &s.base, "eva@vendor.example", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("too many failed attempts")
    );

    // An unknown address gets the same answer as a wrong password.
    let unknown = attempt(&b, &s.base, "nobody@vendor.example", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("email address or password is not right")
    );
    s.stop().await;
}

on_both_databases!(registration_approval_activation_and_first_sign_in);

/// T2 end to end over HTTP with real mail: request → first line told → approved → activation
/// mail → password chosen through the one-time link → signed in.
async fn registration_approval_activation_and_first_sign_in(backend: Backend) {
    use common::{SmtpServer, free_port, maildir, with_smtp};
    let db = Database::fresh(backend).await;
    let smtp = SmtpServer::start_on(free_port(), &maildir(&db, "registration"));
    let s = Server::start(with_smtp(test_config(&db.url), smtp.port)).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let org = s.organization("Acme", None).await;

    let b = browser();
    let form = b
        .get(format!("{}/register?lang=en", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Request a portal account"));
    let fields = [
        ("name", "Jan Jansen"),
        ("email", "jan@acme.example"),
        ("organization", "Acme BV"),
        ("message", "Please"),
        ("lang", "en"),
    ];
    let forged = post_form(
        &b,
        format!("{}/register", s.base),
        &[fields.as_slice(), &[("csrf", "forged")]].concat(),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = field(&forged.text().await.unwrap(), "csrf");
    let sent = post_form(
        &b,
        format!("{}/register", s.base),
        &[fields.as_slice(), &[("csrf", &csrf)]].concat(),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert!(sent.text().await.unwrap().contains("checks your request"));
    smtp.wait_for(15, "the first line's notice", |m| {
        m.iter()
            .any(|(to, s, _)| to.contains("eva@") && s.contains("Jan Jansen"))
    })
    .await;

    let (_, pending) = s.get(&agent, "/api/v1/registrations").await;
    let id = pending[0]["id"].as_i64().unwrap();
    let (status, approved) = s
        .post(
            &agent,
            &format!("/api/v1/registrations/{id}/approve"),
            json!({"organization_id": org}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let (status, _) = s
        .post(
            &agent,
            &format!("/api/v1/registrations/{id}/approve"),
            json!({"organization_id": org}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mails = smtp
        .wait_for(15, "the activation mail", |m| {
            m.iter().any(|(to, _, _)| to.contains("jan@acme.example"))
        })
        .await;
    let body = &mails
        .iter()
        .find(|(to, _, _)| to.contains("jan@acme.example"))
        .unwrap()
        .2;
    let start = body.find("/activate?token=").unwrap();
    let token: String = body[start + 16..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();

    let page = b
        .get(format!("{}/activate?token={token}&lang=en", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = field(&page, "csrf");
    let weak = post_form(
        &b,
        format!("{}/activate", s.base),
        &[
            ("token", &token),
            ("password", "password1234"),
            ("csrf", &csrf),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csrf = field(&weak.text().await.unwrap(), "csrf");
    let done = post_form(
        &b,
        format!("{}/activate", s.base),
        &[
            ("token", &token),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    // The link works once.
    assert_eq!(
        b.get(format!("{}/activate?token={token}", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Signed in (customers need no second step unless they set one up).
    let signed = attempt(&b, &s.base, "jan@acme.example", PASSWORD).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()["location"], "/");
    // Until their organisation makes the second step mandatory (X2).
    let mfa_path = format!("/api/v1/organizations/{org}/mfa");
    let mfa = |required: bool| {
        s.call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &mfa_path,
            Some(json!({"required": required})),
        )
    };
    assert_eq!(mfa(true).await.0, StatusCode::NO_CONTENT);
    let signed = attempt(&browser(), &s.base, "jan@acme.example", PASSWORD).await;
    assert_eq!(signed.headers()["location"], "/account/two-factor");
    assert_eq!(mfa(false).await.0, StatusCode::NO_CONTENT);
    let (_, users) = s
        .get(&agent, &format!("/api/v1/users?organization={org}"))
        .await;
    assert_eq!(users["items"][0]["email"], "jan@acme.example");
    assert_eq!(users["items"][0]["language"], "en");

    // Password reset by mail: same answer for unknown addresses; the link sets a new password.
    let reset = |email: &'static str| {
        let b = b.clone();
        let base = s.base.clone();
        async move {
            let form = b
                .get(format!("{base}/password-reset?lang=en"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            post_form(
                &b,
                format!("{base}/password-reset"),
                &[
                    ("email", email),
                    ("csrf", &field(&form, "csrf")),
                    ("lang", "en"),
                ],
            )
            .await
        }
    };
    let unknown = reset("nobody@acme.example").await;
    let known = reset("jan@acme.example").await;
    assert_eq!(
        (unknown.status(), known.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(unknown.text().await.unwrap(), known.text().await.unwrap());
    let mails = smtp
        .wait_for(15, "the reset mail", |m| {
            m.iter()
                .any(|(to, s, _)| to.contains("jan@") && s.contains("new password"))
        })
        .await;
    let body = &mails
        .iter()
        .find(|(_, s, _)| s.contains("new password"))
        .unwrap()
        .2;
    let start = body.find("/activate?token=").unwrap();
    let token: String = body[start + 16..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let page = b
        .get(format!("{}/activate?token={token}&lang=en", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let new_password = "a different long phrase for jan 7";
    let done = post_form(
        &b,
        format!("{}/activate", s.base),
        &[
            ("token", &token),
            ("password", new_password),
            ("csrf", &field(&page, "csrf")),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        attempt(&b, &s.base, "jan@acme.example", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt(&b, &s.base, "jan@acme.example", new_password)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    s.stop().await;
}
