//! Single sign-on (X2) against a real OpenID provider: the npm package `oidc-provider`
//! (e2e/oidc-provider.mjs), started on a loopback port by each test. The browser is a cookie
//! keeping HTTP client that follows the redirect dance by hand, so a test can stop at the
//! callback and replay, swap or delay it. On both databases.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{Backend, Database, Server, free_port, test_config};
use jiff::SignedDuration;
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::config::GroupRole;

/// The test provider, killed with the value.
struct Idp {
    port: u16,
    clients: String,
    child: Child,
}

impl Idp {
    fn start(port: u16, clients: &Value) -> Idp {
        let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
        assert!(
            e2e.join("node_modules/oidc-provider").exists(),
            "the test provider needs `npm ci` in e2e/ (scripts/test runs it)"
        );
        let clients = clients.to_string();
        let mut child = Command::new("node")
            .arg(e2e.join("oidc-provider.mjs"))
            .arg(port.to_string())
            .arg(&clients)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the test provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening"), "provider said: {line}");
        Idp {
            port,
            clients,
            child,
        }
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new provider process on the same port: same clients, new signing key.
    fn restart(mut self) -> Idp {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let clients: Value = serde_json::from_str(&self.clients).unwrap();
        Idp::start(self.port, &clients)
    }

    async fn mode(&self, mode: &str) {
        reqwest::Client::new()
            .post(format!("{}/test/mode", self.issuer()))
            .body(mode.to_string())
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Who signs in at the provider's login page.
#[derive(Clone)]
struct Who {
    email: &'static str,
    /// `None`: the provider says nothing about it.
    verified: Option<bool>,
    groups: &'static str,
    mfa: bool,
}

fn who(email: &'static str) -> Who {
    Who {
        email,
        verified: Some(true),
        groups: "",
        mfa: false,
    }
}

/// A browser: cookies kept, redirects followed by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> Url {
    let value = response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("{} has no Location", response.url()))
        .to_str()
        .unwrap();
    response.url().join(value).unwrap()
}

/// From a sign-in door of sladesk through the provider's login page up to the callback URL,
/// which is returned unfollowed.
async fn to_callback(b: &reqwest::Client, base: &str, start: &str, who: &Who) -> Url {
    match try_to_callback(b, base, start, who).await {
        Ok(url) => url,
        Err((status, page)) => panic!("{start}: {status} {page}"),
    }
}

/// The same, or sladesk's refusal to start.
async fn try_to_callback(
    b: &reqwest::Client,
    base: &str,
    start: &str,
    who: &Who,
) -> Result<Url, (StatusCode, String)> {
    let response = b.get(format!("{base}{start}")).send().await.unwrap();
    let mut url = match response.status() {
        StatusCode::SEE_OTHER => location(&response),
        // After the address form: a page that moves on to the provider by itself.
        StatusCode::OK => {
            let page = response.text().await.unwrap();
            let at = page
                .find("content=\"0;url=")
                .unwrap_or_else(|| panic!("no way on in {page}"));
            let rest = &page[at + 15..];
            let escaped = &rest[..rest.find('"').unwrap()];
            let href = escaped
                .replace("&#x2f;", "/")
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            Url::parse(&href).unwrap()
        }
        status => return Err((status, response.text().await.unwrap())),
    };
    for _ in 0..10 {
        if url
            .as_str()
            .starts_with(&format!("{base}/login/sso/callback"))
        {
            return Ok(url);
        }
        let response = b.get(url.clone()).send().await.unwrap();
        if response.status() == StatusCode::OK {
            // The provider's login page.
            let mut form = vec![
                ("email", who.email.to_string()),
                ("groups", who.groups.to_string()),
            ];
            match who.verified {
                Some(true) => form.push(("email_verified", "1".into())),
                Some(false) => {}
                None => form.push(("no_email_verified", "1".into())),
            }
            if who.mfa {
                form.push(("mfa", "1".into()));
            }
            let login = format!("{}/login", url.as_str().trim_end_matches('/'));
            let response = b.post(login).form(&form).send().await.unwrap();
            assert!(response.status().is_redirection(), "{}", response.status());
            url = location(&response);
        } else {
            assert!(
                response.status().is_redirection(),
                "{url}: {}",
                response.status()
            );
            url = location(&response);
        }
    }
    panic!("no callback after ten steps");
}

/// Follows the callback: `Ok(the page sladesk sends the browser on to)` or `Err((status, page))`.
async fn callback(b: &reqwest::Client, url: Url) -> Result<String, (StatusCode, String)> {
    let response = b.get(url).send().await.unwrap();
    if response.status() == StatusCode::SEE_OTHER {
        let to = response.headers()["location"].to_str().unwrap().to_string();
        Ok(to)
    } else {
        let status = response.status();
        Err((status, response.text().await.unwrap()))
    }
}

async fn sign_in(
    b: &reqwest::Client,
    base: &str,
    start: &str,
    who: &Who,
) -> Result<String, (StatusCode, String)> {
    let url = try_to_callback(b, base, start, who).await?;
    callback(b, url).await
}

fn refused(result: Result<String, (StatusCode, String)>, status: StatusCode, words: &str) {
    match result {
        Ok(to) => panic!("signed in (to {to}) where `{words}` was expected"),
        Err((got, page)) => {
            assert_eq!(got, status, "{page}");
            assert!(page.contains(words), "`{words}` not in: {page}");
        }
    }
}

async fn sso(backend: Backend) {
    let db = Database::fresh(backend).await;
    let idp_port = free_port();
    let mut config = test_config(&db.url);
    config.sso.staff.issuer = format!("http://127.0.0.1:{idp_port}");
    config.sso.staff.client_id = "vendor-staff".into();
    config.sso.staff.client_secret = "staff-secret-0123456789abcdef".into();
    config.sso.staff.scopes = vec!["email".into(), "profile".into(), "groups".into()];
    config.sso.staff.roles = vec![
        GroupRole {
            group: "desk-admins".into(),
            role: "admin".into(),
        },
        GroupRole {
            group: "first-line".into(),
            role: "first_line".into(),
        },
    ];
    let s = Server::start_with_clock(config, Clock::manual(jiff::Timestamp::now())).await;
    let base = s.base.clone();
    let redirect = format!("{base}/login/sso/callback");
    let clients = json!([
        {"client_id": "acme", "client_secret": "acme-secret-0123456789abcdef", "redirect_uris": [redirect]},
        {"client_id": "beta", "client_secret": "beta-secret-0123456789abcdef", "redirect_uris": [redirect]},
        {"client_id": "vendor-staff", "client_secret": "staff-secret-0123456789abcdef", "redirect_uris": [redirect]},
    ]);
    let mut idp = Idp::start(idp_port, &clients);
    let issuer = idp.issuer();

    // An admin sets Acme's provider; the secret is needed the first time and never shown.
    let acme = s.organization("Acme", None).await;
    let beta = s.organization("Beta", None).await;
    let path = format!("/api/v1/organizations/{acme}/sso");
    let settings = json!({"issuer": issuer, "client_id": "acme", "domains": ["@Acme.example"]});
    let (status, body) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &path,
            Some(settings.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut with_secret = settings.clone();
    with_secret["client_secret"] = json!("acme-secret-0123456789abcdef");
    let (status, shown) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &path,
            Some(with_secret),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["domains"], json!(["acme.example"]));
    assert_eq!(shown["client_secret_set"], json!(true));
    assert_eq!(shown["provisioning"], json!(true));
    let (_, read) = s.get(&s.admin, &path).await;
    assert_eq!(
        read["provider"]["domains"],
        json!(["acme.example"]),
        "{read}"
    );
    let (status, none) = s
        .get(&s.admin, &format!("/api/v1/organizations/{beta}/sso"))
        .await;
    assert_eq!(
        (status, none["provider"].clone()),
        (StatusCode::OK, Value::Null)
    );
    assert!(!read.to_string().contains("acme-secret"), "{read}");
    // A provider that is not there, an http issuer elsewhere, a domain another holds.
    for (bad, expected) in [
        (
            json!({"issuer": format!("http://127.0.0.1:{}", free_port()), "client_id": "x", "client_secret": "y", "domains": ["beta.example"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"issuer": "http://idp.example.com", "client_id": "x", "client_secret": "y", "domains": ["beta.example"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"issuer": issuer, "client_id": "beta", "client_secret": "beta-secret-0123456789abcdef", "domains": ["beta.example", "acme.example"]}),
            StatusCode::CONFLICT,
        ),
    ] {
        let (status, body) = s
            .call(
                Some(&s.admin),
                reqwest::Method::PUT,
                &format!("/api/v1/organizations/{beta}/sso"),
                Some(bad),
            )
            .await;
        assert_eq!(status, expected, "{body}");
    }
    let customer = s
        .token(
            "someone@acme.example",
            sladesk::domain::accounts::Role::Customer,
            Some(acme),
        )
        .await;
    let (status, _) = s.get(&customer, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &format!("/api/v1/organizations/{beta}/sso"),
            Some(json!({"issuer": issuer, "client_id": "beta", "client_secret": "beta-secret-0123456789abcdef", "domains": ["beta.example"], "provisioning": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A customer signs in by email domain and is created in Acme (just-in-time).
    let ann = browser();
    let to = sign_in(
        &ann,
        &base,
        "/login/sso?email=ann@acme.example&lang=en&next=/tickets",
        &who("ann@acme.example"),
    )
    .await
    .unwrap();
    assert_eq!(to, "/tickets");
    let page = ann.get(format!("{base}/tickets")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let (_, people) = s
        .get(
            &s.admin,
            &format!("/api/v1/users?organization={acme}&limit=200"),
        )
        .await;
    let ann_row = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == "ann@acme.example")
        .unwrap_or_else(|| panic!("ann was not created: {people}"))
        .clone();
    assert_eq!(ann_row["role"], "customer");
    assert_eq!(ann_row["language"], "en");
    // The organisation's own link works as well, for a known person.
    let to = sign_in(
        &browser(),
        &base,
        &format!("/login/sso/organizations/{acme}"),
        &who("ann@acme.example"),
    )
    .await
    .unwrap();
    assert_eq!(to, "/");

    // An address of another domain, an unverified address, an unknown person where the
    // organisation creates no one, and a person of another organisation are refused.
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}?lang=en"),
            &who("eve@evil.example"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "evil.example",
    );
    let unverified = Who {
        verified: Some(false),
        ..who("uma@acme.example")
    };
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &unverified,
        )
        .await,
        StatusCode::FORBIDDEN,
        "niet geverifieerd",
    );
    refused(
        sign_in(
            &browser(),
            &base,
            "/login/sso?email=bo@beta.example",
            &who("bo@beta.example"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "nog geen account",
    );
    s.token(
        "carl@acme.example",
        sladesk::domain::accounts::Role::Customer,
        Some(beta),
    )
    .await;
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &who("carl@acme.example"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "andere organisatie",
    );
    refused(
        sign_in(
            &browser(),
            &base,
            "/login/sso?email=x@nowhere.example",
            &who("x@nowhere.example"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "geen single sign-on",
    );

    // A state is taken once; a callback in another browser (without the binding cookie)
    // signs no one in.
    let b = browser();
    let url = to_callback(
        &b,
        &base,
        &format!("/login/sso/organizations/{acme}"),
        &who("ann@acme.example"),
    )
    .await;
    assert!(callback(&b, url.clone()).await.is_ok());
    refused(
        callback(&b, url).await,
        StatusCode::FORBIDDEN,
        "al gebruikt",
    );
    let url = to_callback(
        &browser(),
        &base,
        &format!("/login/sso/organizations/{acme}"),
        &who("ann@acme.example"),
    )
    .await;
    refused(
        callback(&browser(), url).await,
        StatusCode::FORBIDDEN,
        "al gebruikt",
    );

    // A code issued to another client (Beta's), brought back with Acme's state.
    let b = browser();
    let beta_return = to_callback(
        &b,
        &base,
        &format!("/login/sso/organizations/{beta}"),
        &who("bo@beta.example"),
    )
    .await;
    let acme_return = to_callback(
        &b,
        &base,
        &format!("/login/sso/organizations/{acme}"),
        &who("ann@acme.example"),
    )
    .await;
    let code = beta_return
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let mut swapped = acme_return.clone();
    let pairs: Vec<(String, String)> = acme_return
        .query_pairs()
        .map(|(k, v)| {
            (
                k.to_string(),
                if k == "code" {
                    code.clone()
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    swapped.query_pairs_mut().clear().extend_pairs(pairs);
    refused(
        callback(&b, swapped).await,
        StatusCode::FORBIDDEN,
        "identiteitsprovider",
    );

    // An ID token that expired while the browser dawdled (the provider's last 300 s).
    let b = browser();
    let url = to_callback(
        &b,
        &base,
        &format!("/login/sso/organizations/{acme}"),
        &who("ann@acme.example"),
    )
    .await;
    s.advance(SignedDuration::from_secs(420));
    refused(callback(&b, url).await, StatusCode::FORBIDDEN, "expired");
    s.desk().clock.set(jiff::Timestamp::now()).unwrap();

    // A token changed after signing, and one signed for a nonce sladesk never sent.
    idp.mode("tamper").await;
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &who("ann@acme.example"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "signature",
    );
    idp.mode("wrong-nonce").await;
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &who("ann@acme.example"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "nonce",
    );
    idp.mode("").await;

    // MFA: when Acme requires it, the provider's word counts only with amr saying so.
    let (status, _) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &format!("/api/v1/organizations/{acme}/mfa"),
            Some(json!({"required": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let to = sign_in(
        &browser(),
        &base,
        &format!("/login/sso/organizations/{acme}?next=/tickets"),
        &who("ann@acme.example"),
    )
    .await
    .unwrap();
    assert!(to.starts_with("/account/two-factor"), "{to}");
    let with_mfa = Who {
        mfa: true,
        ..who("ann@acme.example")
    };
    let to = sign_in(
        &browser(),
        &base,
        &format!("/login/sso/organizations/{acme}?next=/tickets"),
        &with_mfa,
    )
    .await
    .unwrap();
    assert_eq!(to, "/tickets");

    // SSO only: passwords are refused for Acme's people.
    s.token(
        "dirk@acme.example",
        sladesk::domain::accounts::Role::Customer,
        Some(acme),
    )
    .await;
    s.desk()
        .set_password("dirk@acme.example", "correct horse battery staple 9")
        .await
        .unwrap();
    let loopback = "127.0.0.1".parse().unwrap();
    assert!(
        s.desk()
            .sign_in(
                "dirk@acme.example",
                "correct horse battery staple 9",
                loopback
            )
            .await
            .is_ok()
    );
    let mut only = json!({"issuer": issuer, "client_id": "acme", "domains": ["acme.example"], "sso_only": true});
    only["mfa_values"] = json!(["otp"]);
    let (status, body) = s
        .call(Some(&s.admin), reqwest::Method::PUT, &path, Some(only))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["client_secret_set"], json!(true));
    match s
        .desk()
        .sign_in(
            "dirk@acme.example",
            "correct horse battery staple 9",
            loopback,
        )
        .await
    {
        Err(sladesk::desk::DeskError::Refused(sladesk::desk::Refusal::SsoOnly)) => {}
        other => panic!("password accepted for an SSO-only organisation: {other:?}"),
    }
    // The kept secret still works (mfa_values now ["otp"], which the provider's amr has).
    assert_eq!(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &with_mfa
        )
        .await
        .unwrap(),
        "/"
    );

    // A provider that says nothing about verification (as Entra ID): refused by default,
    // let in once the organisation's setting says its provider sends no such claim; an
    // explicit false stays refused.
    let acme_link = format!("/login/sso/organizations/{acme}");
    let silent = Who {
        verified: None,
        ..with_mfa.clone()
    };
    refused(
        sign_in(&browser(), &base, &acme_link, &silent).await,
        StatusCode::FORBIDDEN,
        "niet geverifieerd",
    );
    let entra_like = json!({"issuer": issuer, "client_id": "acme", "domains": ["acme.example"],
        "sso_only": true, "mfa_values": ["otp"], "verified_email_claim": false});
    let (status, body) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &path,
            Some(entra_like),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verified_email_claim"], json!(false));
    assert_eq!(
        sign_in(&browser(), &base, &acme_link, &silent)
            .await
            .unwrap(),
        "/"
    );
    let denied = Who {
        verified: Some(false),
        ..with_mfa.clone()
    };
    refused(
        sign_in(&browser(), &base, &acme_link, &denied).await,
        StatusCode::FORBIDDEN,
        "niet geverifieerd",
    );

    // Staff: roles follow the provider's groups at every sign-in; no group, no way in.
    let staff = Who {
        groups: "first-line",
        mfa: true,
        ..who("sam@vendor.example")
    };
    assert_eq!(
        sign_in(&browser(), &base, "/login/sso/staff", &staff)
            .await
            .unwrap(),
        "/"
    );
    let role_of = |people: &Value, email: &str| {
        people["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["email"] == email)
            .map(|p| p["role"].clone())
    };
    let (_, people) = s.get(&s.admin, "/api/v1/users?limit=200").await;
    assert_eq!(
        role_of(&people, "sam@vendor.example"),
        Some(json!("first_line"))
    );
    let promoted = Who {
        groups: "first-line,desk-admins",
        ..staff.clone()
    };
    sign_in(&browser(), &base, "/login/sso/staff", &promoted)
        .await
        .unwrap();
    let (_, people) = s.get(&s.admin, "/api/v1/users?limit=200").await;
    assert_eq!(role_of(&people, "sam@vendor.example"), Some(json!("admin")));
    let kept = browser();
    sign_in(&kept, &base, "/login/sso/staff", &staff)
        .await
        .unwrap();
    let (_, people) = s.get(&s.admin, "/api/v1/users?limit=200").await;
    assert_eq!(
        role_of(&people, "sam@vendor.example"),
        Some(json!("first_line"))
    );
    assert_eq!(
        kept.get(format!("{base}/desk"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let dropped = Who {
        groups: "sales",
        ..staff.clone()
    };
    refused(
        sign_in(&browser(), &base, "/login/sso/staff", &dropped).await,
        StatusCode::FORBIDDEN,
        "rol",
    );
    // ... and the session they had ends with it.
    assert_ne!(
        kept.get(format!("{base}/desk"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Staff without a second factor at the provider pass sladesk's own.
    let without = Who {
        mfa: false,
        ..staff.clone()
    };
    let to = sign_in(&browser(), &base, "/login/sso/staff", &without)
        .await
        .unwrap();
    assert!(to.starts_with("/account/two-factor"), "{to}");
    // A customer's address cannot come in through the staff provider.
    let posing = Who {
        groups: "desk-admins",
        mfa: true,
        ..who("ann@acme.example")
    };
    refused(
        sign_in(&browser(), &base, "/login/sso/staff", &posing).await,
        StatusCode::FORBIDDEN,
        "andere organisatie",
    );

    // The provider rotates its signing key (a new process, a new key): sladesk fetches the
    // keys again and the next sign-in works.
    idp = idp.restart();
    assert_eq!(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &with_mfa
        )
        .await
        .unwrap(),
        "/"
    );

    // Deactivated: refused, whatever the provider says.
    let ann_id = ann_row["id"].as_i64().unwrap();
    let (status, person) = s
        .call(
            Some(&s.admin),
            reqwest::Method::PUT,
            &format!("/api/v1/users/{ann_id}/active"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{person}");
    assert_eq!(person["active"], json!(false));
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{acme}"),
            &with_mfa,
        )
        .await,
        StatusCode::FORBIDDEN,
        "gedeactiveerd",
    );
    assert_ne!(
        ann.get(format!("{base}/tickets"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // An admin who came in through the staff provider sets Beta's provider on the admin page
    // (the secret kept when left empty), then removes it there.
    let admin_browser = browser();
    let boss = Who {
        groups: "desk-admins",
        mfa: true,
        ..who("boss@vendor.example")
    };
    sign_in(&admin_browser, &base, "/login/sso/staff", &boss)
        .await
        .unwrap();
    let admin_page = admin_browser
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(admin_page.contains(&format!("/admin/organizations/{beta}/sso")));
    let marker = "name=\"csrf\" value=\"";
    let at = admin_page.find(marker).unwrap() + marker.len();
    let csrf = admin_page[at..at + admin_page[at..].find('"').unwrap()].to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("issuer", issuer.as_str()),
        ("client_id", "beta"),
        ("client_secret", ""),
        ("domains", "beta.example, Beta.example"),
        ("mfa_values", "mfa"),
        ("provisioning", "on"),
        ("verified_email_claim", "on"),
    ];
    let saved = admin_browser
        .post(format!("{base}/admin/organizations/{beta}/sso"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, setting) = s
        .get(&s.admin, &format!("/api/v1/organizations/{beta}/sso"))
        .await;
    assert_eq!(setting["provider"]["domains"], json!(["beta.example"]));
    assert_eq!(setting["provider"]["provisioning"], json!(true));
    assert_eq!(setting["provider"]["mfa_values"], json!(["mfa"]));
    assert_eq!(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{beta}"),
            &who("bo@beta.example")
        )
        .await
        .unwrap(),
        "/",
        "the kept secret exchanges codes, and Bo is created now"
    );
    let removed = admin_browser
        .post(format!("{base}/admin/organizations/{beta}/sso/remove"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);

    // Without its provider, an organisation's link signs no one in (removing twice is fine).
    let (status, _) = s
        .call(
            Some(&s.admin),
            reqwest::Method::DELETE,
            &format!("/api/v1/organizations/{beta}/sso"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused(
        sign_in(
            &browser(),
            &base,
            &format!("/login/sso/organizations/{beta}"),
            &who("bo@beta.example"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "geen single sign-on",
    );

    // Every refusal is in the audit trail with its reason.
    let (_, audit) = s.get(&s.admin, "/api/v1/audit?limit=200").await;
    let refusals = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "signin.sso_refused")
        .count();
    assert!(refusals >= 10, "{refusals} refusals audited");

    drop(idp);
    s.stop().await;
}

on_both_databases!(sso);
