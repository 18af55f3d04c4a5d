//! Test harness: a real `sladesk` server in-process on 127.0.0.1:0, on a fresh SQLite file or
//! a fresh PostgreSQL database (127.0.0.1:5432), a real SMTP server process (aiosmtpd) for
//! mail, and an HTTP client. Nothing is mocked.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::config::Config;
use sladesk::desk::issue_token;
use sladesk::domain::accounts::Role;
use sladesk::serve::{Running, start_with_clock};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares `mod name { sqlite, postgres }` running `name(Backend)` once per database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(super::common::Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(super::common::Backend::Postgres).await }
        })+
    };
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) with the value.
pub struct Database {
    pub url: String,
    pub backend: Backend,
    name: String,
    dir: PathBuf,
}

impl Database {
    pub async fn fresh(backend: Backend) -> Database {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("sladesk_t{}_{}", std::process::id(), n);
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("sladesk.db").display()),
            Backend::Postgres => {
                let mut admin = sqlx::PgConnection::connect(PG_ADMIN_URL)
                    .await
                    .expect("PostgreSQL must run on 127.0.0.1:5432 (scripts/test starts it)");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                format!("postgres://postgres@127.0.0.1:5432/{name}")
            }
        };
        Database {
            url,
            backend,
            name,
            dir,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.backend == Backend::Postgres {
            let name = self.name.clone();
            // Best effort, on its own thread: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(PG_ADMIN_URL).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The real `sladesk` binary of this build, with an English shell.
pub fn sladesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sladesk"));
    command.env("LC_ALL", "C.UTF-8");
    command
}

/// A folder of the test's own, emptied.
pub fn work_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sladesk-work-{}-{}-{what}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Test settings: fast jobs, quick retries, a data folder of the test's own (where files go).
pub fn test_config(url: &str) -> Config {
    let mut config = Config {
        database_url: url.to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: std::env::temp_dir().join(format!(
            "sladesk-data-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        )),
        ..Config::default()
    };
    config.jobs.interval_ms = 200;
    config.jobs.lease_seconds = 5;
    config.jobs.mail_retry_first_seconds = 1;
    config.jobs.mail_retry_max_seconds = 2;
    // The backup tests turn them on (tests/backups.rs); elsewhere they would only slow
    // every server down.
    config.backup.enabled = false;
    config
}

/// Settings that send mail to the SMTP server on `port` on this machine.
pub fn with_smtp(mut config: Config, port: u16) -> Config {
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = port;
    config.smtp.from = "Service desk <desk@vendor.example>".into();
    config
}

/// A fresh Maildir path for a test's SMTP server.
pub fn maildir(db: &Database, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sladesk-mail-{}-{name}-{:?}",
        std::process::id(),
        db.backend
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub struct Server {
    pub running: Option<Running>,
    pub base: String,
    pub client: Client,
    pub admin: String,
}

impl Server {
    pub async fn start(config: Config) -> Server {
        Server::start_with_clock(config, Clock::system()).await
    }

    /// A server whose time the test sets (`desk().clock`), instead of sleeping.
    pub async fn start_with_clock(config: Config, clock: Clock) -> Server {
        let running = start_with_clock(config, clock)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        let admin = issue_token(
            &running.desk,
            "admin@vendor.example",
            Role::Admin,
            None,
            sladesk_core::text::Language::Nl,
        )
        .await
        .unwrap();
        Server {
            running: Some(running),
            base,
            client: Client::new(),
            admin,
        }
    }

    /// The desk inside the running server.
    pub fn desk(&self) -> &sladesk::desk::Desk {
        &self.running.as_ref().expect("running").desk
    }

    /// Moves the server's manual clock on.
    pub fn advance(&self, by: jiff::SignedDuration) {
        self.desk()
            .clock
            .advance(by)
            .expect("the server was started with a manual clock");
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.unwrap();
        }
    }

    /// A token for a (new or existing) person.
    pub async fn token(&self, email: &str, role: Role, organization: Option<i64>) -> String {
        self.token_in(email, role, organization, sladesk_core::text::Language::Nl)
            .await
    }

    /// A token for a person who reads `language` (problem documents come in it).
    pub async fn token_in(
        &self,
        email: &str,
        role: Role,
        organization: Option<i64>,
        language: sladesk_core::text::Language,
    ) -> String {
        issue_token(
            &self.running.as_ref().unwrap().desk,
            email,
            role,
            organization,
            language,
        )
        .await
        .unwrap()
    }

    pub async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(
                content_type, "application/problem+json",
                "{status} {path}: {text}"
            );
        }
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(Some(token), Method::GET, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(token), Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(token), Method::PATCH, path, Some(body))
            .await
    }

    /// Creates an organisation and returns its id.
    pub async fn organization(&self, name: &str, policy: Option<&str>) -> i64 {
        let (status, org) = self
            .post(&self.admin, "/api/v1/organizations", json!({"name": name, "tier": "support", "products": ["Qixium", "Data Manager"], "policy": policy}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        org["id"].as_i64().unwrap()
    }

    /// Creates an organisation of `tier` (`support`, `qaas`) for the product Qixium.
    pub async fn organization_of_tier(&self, name: &str, tier: &str) -> i64 {
        let (status, org) = self
            .post(
                &self.admin,
                "/api/v1/organizations",
                json!({"name": name, "tier": tier, "products": ["Qixium"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        org["id"].as_i64().unwrap()
    }

    /// Files a ticket as `token` and returns it.
    pub async fn file_ticket(
        &self,
        token: &str,
        organization: Option<i64>,
        subject: &str,
    ) -> Value {
        let mut body = json!({"type": "incident", "environment": "production", "product": "Qixium", "subject": subject,
            "description": format!("{subject}: details")});
        if let Some(org) = organization {
            body["organization_id"] = json!(org);
        }
        let (status, ticket) = self.post(token, "/api/v1/tickets", body).await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        ticket
    }
}

/// A real SMTP server (aiosmtpd, from PyPI) writing what it receives into a Maildir.
pub struct SmtpServer {
    pub port: u16,
    child: Option<Child>,
    pub maildir: PathBuf,
}

impl SmtpServer {
    pub fn start_on(port: u16, maildir: &Path) -> SmtpServer {
        // aiosmtpd's Mailbox makes the Maildir (with tmp/, new/, cur/) only if it is absent.
        if !maildir.join("new").exists() {
            let _ = std::fs::remove_dir_all(maildir);
        }
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd; scripts/test installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        // Ready when it greets with 220 (a bare connect could be a socket connecting to itself).
        let greets = || {
            use std::io::Read;
            let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                return false;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut banner = [0u8; 3];
            stream.read_exact(&mut banner).is_ok() && &banner == b"220"
        };
        while !greets() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            port,
            child: Some(child),
            maildir: maildir.to_path_buf(),
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every mail received so far: (recipient, subject, body).
    pub fn mails(&self) -> Vec<(String, String, String)> {
        let mut mails = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let (head, body) = raw
                    .split_once("\n\n")
                    .or_else(|| raw.split_once("\r\n\r\n"))
                    .unwrap_or((&raw, ""));
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| {
                            l.strip_prefix(&format!("{name}: "))
                                .map(str::trim)
                                .map(str::to_string)
                        })
                        .unwrap_or_default()
                };
                let body = if head.to_lowercase().contains("quoted-printable") {
                    decode_quoted_printable(body)
                } else {
                    body.to_string()
                };
                mails.push((header("To"), header("Subject"), body));
            }
        }
        mails
    }

    /// Waits until `predicate` holds for the mails received, or panics after `seconds`.
    pub async fn wait_for(
        &self,
        seconds: u64,
        what: &str,
        predicate: impl Fn(&[(String, String, String)]) -> bool,
    ) -> Vec<(String, String, String)> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let mails = self.mails();
            if predicate(&mails) {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; mails: {mails:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Undoes quoted-printable transfer encoding (RFC 2045): soft line breaks and `=XX` bytes.
fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `check` until it returns `Some`, or panics after `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, check: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// Browser-like HTTP for the page tests: cookies kept, redirects not followed, forms posted.

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `<input … name="NAME" value="…">` (or the text of `<code>` for the secret).
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub fn secret_in(html: &str) -> String {
    let start = html
        .find("<code>")
        .expect("the enrolment page shows the key")
        + 6;
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

pub fn totp(secret: &str) -> totp_rs::TOTP {
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap(),
        Some("sladesk".into()),
        "x".into(),
    )
    .unwrap()
}

pub async fn post_form(
    client: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

/// The text of a page fetched by a browser-like client.
pub async fn page_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// One attempt at the sign-in page's password step, with the form's CSRF token, in English;
/// `via` is sent as `X-Forwarded-For` (seen only when the server trusts 127.0.0.1 as a proxy).
pub async fn sign_in_attempt(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
    via: Option<&str>,
) -> reqwest::Response {
    let login = page_text(client, format!("{base}/login?lang=en")).await;
    let mut post = client.post(format!("{base}/login")).form(&[
        ("email", email),
        ("password", password),
        ("csrf", &field(&login, "csrf")),
        ("lang", "en"),
    ]);
    if let Some(via) = via {
        post = post.header("x-forwarded-for", via);
    }
    post.send().await.unwrap()
}

/// Every mail in the server's outbox, sent or not: (recipient, subject, body). Mail is queued
/// in the same transaction as what caused it, so this is the state to check that something
/// was not mailed, without waiting for a mailer that might merely be slow.
pub async fn outbox(db: &Database) -> Vec<(String, String, String)> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT recipient, subject, body FROM outbox ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    rows
}

/// A moment in Dutch time, like `2026-10-05T08:30`.
pub fn dutch(local: &str) -> jiff::Timestamp {
    local
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .in_tz("Europe/Amsterdam")
        .unwrap()
        .timestamp()
}

/// A real IMAP server (Debian's dovecot-imapd; `scripts/test` installs it) of the test's own:
/// its configuration, state and Maildirs in a temporary folder, one user `desk`.
pub struct ImapServer {
    /// Plain IMAP, and IMAPS with a certificate for `localhost` signed by `ca_file`'s CA.
    pub port: u16,
    pub tls_port: u16,
    pub ca_file: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

/// The uid and gid the mailboxes belong to (dovecot never serves mail as root).
const MAIL_UID: u32 = 65534;

impl ImapServer {
    pub fn start(dir: &Path) -> ImapServer {
        let _ = std::fs::remove_dir_all(dir);
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::os::unix::fs::chown(dir.join("mail"), Some(MAIL_UID), Some(MAIL_UID)).unwrap();
        std::fs::write(dir.join("passwd"), "desk:{PLAIN}secret\n").unwrap();
        // A CA of the test's own and a certificate for localhost (rustls takes no self-signed
        // certificate as its own anchor).
        std::fs::write(
            dir.join("leaf.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        for args in [
            "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=sladesk-test-ca",
            "req -newkey rsa:2048 -nodes -keyout key.pem -out leaf.csr -subj /CN=localhost",
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile leaf.ext",
        ] {
            let made = Command::new("openssl")
                .args(args.split(' '))
                .current_dir(dir)
                .output()
                .expect("openssl");
            assert!(
                made.status.success(),
                "{}",
                String::from_utf8_lossy(&made.stderr)
            );
        }
        let (port, tls_port) = (free_port(), free_port());
        let d = dir.display();
        let config = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
             log_path = {d}/dovecot.log\nssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n\
             disable_plaintext_auth = no\n\
             mail_location = maildir:{d}/mail/%u\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={MAIL_UID} gid={MAIL_UID} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = {tls_port}\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        let mut server = ImapServer {
            port,
            tls_port,
            ca_file: dir.join("ca.pem"),
            dir: dir.to_path_buf(),
            child: None,
        };
        server.restart();
        server
    }

    /// Starts (again) on the same port, and waits until it greets.
    pub fn restart(&mut self) {
        let child = Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(self.dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot (apt install dovecot-imapd; scripts/test installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        let greets = || {
            use std::io::Read;
            let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
                return false;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut banner = [0u8; 4];
            stream.read_exact(&mut banner).is_ok() && &banner == b"* OK"
        };
        while !greets() {
            assert!(Instant::now() < deadline, "dovecot did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it, dropping every connection (`dovecot stop`: the master ends its imap
    /// processes too, which a killed master would leave serving their sessions).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let stopped = Command::new("dovecot")
                .arg("-c")
                .arg(self.dir.join("dovecot.conf"))
                .arg("stop")
                .status();
            if !stopped.is_ok_and(|s| s.success()) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        // The master's children go with it; wait until the port is free again.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "dovecot did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn maildir(&self, folder: &str) -> PathBuf {
        let user = self.dir.join("mail/desk");
        match folder {
            "INBOX" => user,
            other => user.join(format!(".{other}")),
        }
    }

    /// Delivers a message to the inbox, as the MTA's local delivery would (a new Maildir file).
    pub fn deliver(&self, raw: &str) {
        let inbox = self.maildir("INBOX");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(inbox.join(sub)).unwrap();
        }
        for dir in [
            self.dir.join("mail/desk"),
            inbox.join("tmp"),
            inbox.join("new"),
            inbox.join("cur"),
        ] {
            std::os::unix::fs::chown(&dir, Some(MAIL_UID), Some(MAIL_UID)).unwrap();
        }
        let name = format!(
            "{}.{}.test",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let tmp = inbox.join("tmp").join(&name);
        std::fs::write(&tmp, raw.replace('\n', "\r\n")).unwrap();
        std::os::unix::fs::chown(&tmp, Some(MAIL_UID), Some(MAIL_UID)).unwrap();
        std::fs::rename(&tmp, inbox.join("new").join(&name)).unwrap();
    }

    /// What dovecot logged (its logins say whether they came over TLS).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    /// Messages in `folder` (`INBOX` or another).
    pub fn count(&self, folder: &str) -> usize {
        ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir(folder).join(sub)).ok())
            .map(|entries| entries.flatten().count())
            .sum()
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real S3-compatible server process: moto's (PyPI `moto[server]`, an implementation of the
/// S3 API for tests; MinIO and Garage are not in the registries this machine reaches). Its
/// data lives in memory: a restart loses it, as a lost bucket would.
pub struct S3Server {
    pub port: u16,
    child: std::process::Child,
}

impl S3Server {
    /// Starts it with an empty bucket `backups`.
    pub async fn start(port: u16) -> S3Server {
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto[server] is installed (scripts/test installs it)");
        let server = S3Server { port, child };
        let client = reqwest::Client::new();
        eventually(30, "the S3 server", || async {
            client
                .put(format!("{}/backups", server.url()))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        })
        .await;
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The keys under `desk/` in the bucket, with their sizes.
    pub async fn objects(&self) -> Vec<(String, u64)> {
        self.objects_under("desk/").await
    }

    /// The keys under `prefix` in the bucket, with their sizes.
    pub async fn objects_under(&self, prefix: &str) -> Vec<(String, u64)> {
        let listing = reqwest::get(format!(
            "{}/backups?list-type=2&prefix={prefix}",
            self.url()
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        let mut objects = Vec::new();
        for part in listing.split("<Contents>").skip(1) {
            let key = part
                .split("<Key>")
                .nth(1)
                .and_then(|k| k.split("</Key>").next());
            let size = part
                .split("<Size>")
                .nth(1)
                .and_then(|s| s.split("</Size>").next());
            if let (Some(key), Some(size)) = (key, size) {
                objects.push((key.to_string(), size.parse().unwrap()));
            }
        }
        objects.sort();
        objects
    }

    /// The keys under `desk/`.
    pub async fn keys(&self) -> Vec<String> {
        self.objects()
            .await
            .into_iter()
            .map(|(key, _)| key)
            .collect()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
