//! Conversations by mail and files on tickets (T1, T5; docs/MAIL.md), on both databases:
//! files uploaded, listed and downloaded by whoever may see them (never an internal note's by
//! a customer, never another organisation's), the policy's limits, orphans swept; the receipt
//! of a new ticket; and real `sladesk mail receive` runs with mails shaped like real ones
//! (Gmail and Outlook replies with quotes, ISO-8859-1, attachments, an out-of-office reply, a
//! DSN bounce, a stranger's mail, a duplicate, nonsense).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{Backend, Database, Server, sladesk, test_config, work_dir};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::clock::Clock;
use sladesk::domain::accounts::Role;
use sqlx::Connection;

on_both_databases!(
    files_are_seen_by_whoever_sees_their_comment,
    replies_by_mail_continue_their_ticket,
    files_wait_for_their_check_and_travel_with_mail,
    the_mailbox_is_read_and_survives_a_dropped_connection,
    files_live_in_object_storage_when_configured
);

const BOUNDARY: &str = "sladesk-test-boundary";

/// A `multipart/form-data` body: text fields, then files.
fn form(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    for (name, bytes) in files {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/html\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    body
}

async fn upload(s: &Server, token: &str, ticket: i64, body: Vec<u8>) -> (StatusCode, Value) {
    post_form(s, token, &format!("/api/v1/tickets/{ticket}/files"), body).await
}

async fn post_form(s: &Server, token: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = s
        .client
        .post(format!("{}{path}", s.base))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn download(
    s: &Server,
    token: &str,
    id: i64,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = s
        .client
        .get(format!("{}/api/v1/files/{id}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

async fn files_are_seen_by_whoever_sees_their_comment(backend: Backend) {
    let db = Database::fresh(backend).await;
    let data = work_dir("files");
    let mut config = test_config(&db.url);
    config.data_dir = data.clone();
    let start = jiff::Timestamp::now();
    let s = Server::start_with_clock(config, Clock::manual(start)).await;
    // A contract whose tickets hold at most three files of at most 4 KiB.
    let small = "[attachments]\nmax_file_bytes = 4096\nmax_files_per_ticket = 3\n";
    let acme = s.organization("Acme", Some(small)).await;
    let other = s.organization("Other", None).await;
    let customer = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let stranger = s
        .token("eve@other.example", Role::Customer, Some(other))
        .await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&customer, None, "Sync stops").await;
    let id = ticket["id"].as_i64().unwrap();

    // The customer replies with a log (sent as text/html: the type comes from the bytes).
    let log = b"2026-12-01 10:00 ERROR <script>alert(1)</script> timeout\n";
    let (status, _) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "The log")], &[("C:\\logs\\sync.log", log)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Staff add an internal note with a screenshot, and a public reply with one.
    let (status, _) = upload(
        &s,
        &agent,
        id,
        form(
            &[("body", "Looks like the proxy"), ("visibility", "internal")],
            &[("proxy.png", PNG)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, files) = s.get(&agent, &format!("/api/v1/tickets/{id}/files")).await;
    let files = files.as_array().unwrap().clone();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0]["name"], "sync.log");
    assert_eq!(files[0]["media_type"], "text/plain");
    assert_eq!(files[0]["size"], log.len());
    assert_eq!(files[1]["media_type"], "image/png");
    let (log_id, png_id) = (
        files[0]["id"].as_i64().unwrap(),
        files[1]["id"].as_i64().unwrap(),
    );

    // A new ticket filed through the API with a file: the file is on its creation.
    let (status, filed) = post_form(
        &s,
        &customer,
        "/api/v1/tickets/with-files",
        form(
            &[
                ("type", "incident"),
                ("environment", "production"),
                ("product", "Qixium"),
                ("subject", "Export fails"),
                ("description", "See the attached export log."),
            ],
            &[("export.log", b"export: disk full\n")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let filed_id = filed["id"].as_i64().unwrap();
    let (_, with) = s
        .get(&customer, &format!("/api/v1/tickets/{filed_id}/files"))
        .await;
    let (_, events) = s
        .get(&customer, &format!("/api/v1/tickets/{filed_id}/events"))
        .await;
    assert_eq!(with[0]["name"], "export.log", "{with}");
    assert_eq!(
        with[0]["event_id"], events[0]["id"],
        "on the creation event"
    );
    let (status, _) = post_form(
        &s,
        &customer,
        "/api/v1/tickets/with-files",
        form(&[("type", "nonsense"), ("subject", "x")], &[]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The customer sees the log, not the note's screenshot; another organisation sees nothing.
    let (_, theirs) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/files"))
        .await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(
        download(&s, &customer, png_id).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&s, &stranger, log_id).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = s
        .get(&stranger, &format!("/api/v1/tickets/{id}/files"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, headers, bytes) = download(&s, &customer, log_id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, log);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"sync.log\""),
        "{disposition}"
    );
    let (status, _, bytes) = download(&s, &agent, png_id).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));

    // The contract's limits: a file over 4 KiB is refused; a fourth file does not fit.
    let big = vec![b'x'; 5000];
    let (status, problem) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "big")], &[("big.txt", &big)]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "third")], &[("a.txt", b"a")]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "fourth")], &[("b.txt", b"b")]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    // Nonsense is refused with a message: no text, a customer's internal note, a bad form.
    let (status, _) = upload(&s, &customer, id, form(&[], &[("c.txt", b"c")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "x"), ("visibility", "internal")], &[]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&s, &customer, id, b"--nonsense".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, after) = s.get(&agent, &format!("/api/v1/tickets/{id}/files")).await;
    assert_eq!(after.as_array().unwrap().len(), 3, "{after}");

    // What a kill -9 between a file and its row leaves: bytes no row names. The sweep removes
    // them once they are older than the grace period, and keeps every file a row names.
    let store = sladesk::files::Files::local(&data.join("files")).unwrap();
    let orphan = store.put(b"half an upload".to_vec()).await.unwrap();
    assert_eq!(
        s.desk().sweep_orphan_files().await.unwrap(),
        0,
        "too young to sweep"
    );
    s.advance(jiff::SignedDuration::from_hours(2));
    // The refused 5000-byte file was written before its refusal: an orphan too.
    assert_eq!(s.desk().sweep_orphan_files().await.unwrap(), 2);
    assert!(store.get(&orphan).await.is_err());
    let (status, _, bytes) = download(&s, &customer, log_id).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, log.as_slice()));
    s.stop().await;
}

/// The mails the SMTP server received, as the desk's own parser reads them.
fn received(smtp: &common::SmtpServer) -> Vec<sladesk::mail_in::Inbound> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(smtp.maildir.join("new"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let raw = std::fs::read(entry.path()).unwrap();
        if let Ok(mail) = sladesk::mail_in::parse(&raw, 1 << 24) {
            found.push(mail);
        }
    }
    found
}

async fn files_wait_for_their_check_and_travel_with_mail(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = common::maildir(&db, "files");
    let smtp = common::SmtpServer::start_on(common::free_port(), &dir);
    let mut config = common::with_smtp(test_config(&db.url), smtp.port);
    config.data_dir = work_dir("scanned");
    // The scan hook: a file holding "EICAR" is refused, anything else is clean.
    config.files.scan_command = vec![
        "sh".into(),
        "-c".into(),
        "if grep -q EICAR \"$0\"; then exit 1; fi".into(),
    ];
    let s = Server::start(config).await;
    // A contract whose mails carry files up to 2 KiB together.
    let acme = s
        .organization("Acme", Some("[attachments]\nmail_up_to_bytes = 2048\n"))
        .await;
    let customer = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&customer, None, "Sync stops").await;
    let id = ticket["id"].as_i64().unwrap();

    // A reply with a small file: the file waits for its check, and so does the mail.
    let small = b"step 1: renew the token\n".to_vec();
    let (status, _) = upload(
        &s,
        &agent,
        id,
        form(&[("body", "See the steps")], &[("steps.txt", &small)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, files) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/files"))
        .await;
    assert_eq!(files[0]["state"], "checking", "{files}");
    let file = files[0]["id"].as_i64().unwrap();
    let (status, _, _) = download(&s, &customer, file).await;
    assert_eq!(status, StatusCode::CONFLICT, "not before the check");
    assert_eq!(s.desk().check_waiting_files().await.unwrap(), 1);
    let (status, _, bytes) = download(&s, &customer, file).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, small.as_slice())
    );
    // The reply's mail carries the file.
    smtp.wait_for(15, "the reply with its file", |m| {
        m.iter().any(|(_, _, body)| body.contains("steps.txt"))
    })
    .await;
    let reply = received(&smtp)
        .into_iter()
        .find(|m| !m.files.is_empty())
        .expect("a mail with the file");
    assert_eq!(reply.files, vec![("steps.txt".to_string(), small.clone())]);
    assert!(reply.text.contains("See the steps"), "{}", reply.text);

    // A reply whose files are too large together for a mail names them instead.
    let big = vec![b'x'; 3000];
    let (status, _) = upload(
        &s,
        &agent,
        id,
        form(&[("body", "The full log")], &[("full.log", &big)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s.desk().check_waiting_files().await.unwrap(), 1);
    let mails = smtp
        .wait_for(15, "the reply naming its file", |m| {
            m.iter().any(|(_, _, body)| body.contains("full.log"))
        })
        .await;
    let naming = mails
        .iter()
        .find(|(_, _, body)| body.contains("full.log"))
        .unwrap();
    assert!(
        naming.2.contains("2,9 KiB") || naming.2.contains("2.9 KiB"),
        "{naming:?}"
    );
    assert!(
        received(&smtp)
            .iter()
            .all(|m| m.files.iter().all(|(name, _)| name != "full.log")),
        "not carried"
    );

    // The check refuses a harmful file: never served.
    let (status, _) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "a file")], &[("x.com", b"X5O!P%@AP EICAR test")]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s.desk().check_waiting_files().await.unwrap(), 1);
    let (_, files) = s.get(&agent, &format!("/api/v1/tickets/{id}/files")).await;
    let harmful = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "x.com")
        .unwrap()
        .clone();
    assert_eq!(harmful["state"], "refused");
    let (status, _, _) = download(&s, &agent, harmful["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    s.stop().await;
}

/// The customer replies on the ticket, waited for (the mailbox is read by the server's job).
async fn replies_on(s: &Server, token: &str, id: i64, want: usize) -> Vec<String> {
    common::eventually(60, &format!("{want} replies by mail"), || async {
        let (_, events) = s.get(token, &format!("/api/v1/tickets/{id}/events")).await;
        let bodies: Vec<String> = events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "customer_reply")
            .map(|e| e["body"].as_str().unwrap().to_string())
            .collect();
        (bodies.len() >= want).then_some(bodies)
    })
    .await
}

async fn the_mailbox_is_read_and_survives_a_dropped_connection(backend: Backend) {
    let db = Database::fresh(backend).await;
    let mut imap = common::ImapServer::start(&work_dir("imap"));
    let mut config = test_config(&db.url);
    config.data_dir = work_dir("imap-data");
    // IMAPS, the server's certificate checked against the test's own CA.
    config.mail_in.imap.host = "localhost".into();
    config.mail_in.imap.port = imap.tls_port;
    config.mail_in.imap.tls = "tls".into();
    config.mail_in.imap.ca_file = Some(imap.ca_file.clone());
    config.mail_in.imap.username = "desk".into();
    config.mail_in.imap.password = "secret".into();
    config.mail_in.imap.poll_seconds = 1;
    let s = Server::start(config).await;
    let acme = s.organization("Acme", None).await;
    let customer = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&customer, None, "Sync stops").await;
    let id = ticket["id"].as_i64().unwrap();
    let number = ticket["number"].as_str().unwrap().to_string();
    let reply = |n: u32, text: &str| {
        format!(
            "From: jan@acme.example\nSubject: Re: [{number}] Sync stops\nMessage-ID: <imap-{n}@acme.example>\n\n{text}\n"
        )
    };

    // A reply delivered to the mailbox becomes a comment, and leaves the inbox for the done
    // folder (IDLE tells the server at once).
    imap.deliver(&reply(1, "It works again."));
    assert_eq!(replies_on(&s, &agent, id, 1).await, ["It works again."]);
    common::eventually(30, "the message moved to the done folder", || async {
        (imap.count("INBOX") == 0 && imap.count("sladesk-done") == 1).then_some(())
    })
    .await;

    // The IMAP server goes away (every connection drops); mail arrives meanwhile; when it is
    // back, the server logs in again (over TLS again) and reads on.
    imap.stop();
    imap.deliver(&reply(2, "And the export too."));
    imap.restart();
    let logins = || -> Vec<String> {
        imap.log()
            .lines()
            .filter(|l| l.contains("Login: user=<desk>"))
            .map(str::to_string)
            .collect()
    };
    common::eventually(60, "a login after the drop", || async {
        (logins().len() >= 2).then_some(())
    })
    .await;
    assert!(
        logins().iter().all(|l| l.contains(", TLS,")),
        "{:?}",
        logins()
    );
    imap.deliver(&reply(3, "Thanks!"));
    assert_eq!(
        replies_on(&s, &agent, id, 3).await,
        ["It works again.", "And the export too.", "Thanks!"]
    );
    s.stop().await;
}

/// Files kept in S3-compatible object storage (moto's server) instead of the data folder:
/// the same bytes under their SHA-256 in the bucket, served back whole.
async fn files_live_in_object_storage_when_configured(backend: Backend) {
    let s3 = common::S3Server::start(common::free_port()).await;
    let db = Database::fresh(backend).await;
    let mut config = test_config(&db.url);
    config.data_dir = work_dir("s3-files");
    config.files.storage.url = "s3://backups/files".into();
    config.files.storage.endpoint = s3.url();
    config.files.storage.allow_http = true;
    config.files.storage.access_key_id = "test".into();
    config.files.storage.secret_access_key = "test".into();
    let s = Server::start(config).await;
    let acme = s.organization("Acme", None).await;
    let customer = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    let ticket = s.file_ticket(&customer, None, "Sync stops").await;
    let id = ticket["id"].as_i64().unwrap();
    let log = b"2026-12-02 ERROR kept in the bucket\n";
    let (status, _) = upload(
        &s,
        &customer,
        id,
        form(&[("body", "The log")], &[("sync.log", log)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, files) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/files"))
        .await;
    let sha256 = files[0]["sha256"].as_str().unwrap().to_string();
    let stored = s3.objects_under("files/").await;
    assert_eq!(
        stored,
        vec![(
            format!("files/{}/{}", &sha256[..2], &sha256[2..]),
            log.len() as u64
        )]
    );
    let (status, _, bytes) = download(&s, &customer, files[0]["id"].as_i64().unwrap()).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, log.as_slice()));
    s.stop().await;
}

/// Runs `sladesk mail receive` on `raw`.
fn receive(data: &Path, db: &Database, raw: &str) -> Output {
    let mut child = sladesk()
        .args(["mail", "receive", "--data-dir"])
        .arg(data)
        .args(["--database", &db.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.replace('\n', "\r\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

async fn message_ids_of(db: &Database, ticket: i64) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    sqlx::query_scalar("SELECT message_id FROM outbox WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket)
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

async fn replies_by_mail_continue_their_ticket(backend: Backend) {
    let db = Database::fresh(backend).await;
    let data: PathBuf = work_dir("mail-in");
    let mut config = test_config(&db.url);
    config.data_dir = data.clone();
    let s = Server::start(config).await;
    let acme = s.organization("Acme", None).await;
    let other = s.organization("Other", None).await;
    let customer = s
        .token("jan@acme.example", Role::Customer, Some(acme))
        .await;
    s.token("eve@other.example", Role::Customer, Some(other))
        .await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let ticket = s.file_ticket(&customer, None, "Sync stops").await;
    let id = ticket["id"].as_i64().unwrap();
    let number = ticket["number"].as_str().unwrap().to_string();
    // The receipt was mailed with a Message-ID the desk recorded; the agent asks a question.
    let (status, _) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "waiting_for_customer", "reason": "which connector?"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys = message_ids_of(&db, id).await;
    assert!(!keys.is_empty(), "mails about the ticket carry Message-IDs");
    let last = keys.last().unwrap();

    // A Gmail reply to the last mail, with its history quoted and a log attached.
    let gmail = format!(
        "From: Jan Jansen <Jan@Acme.example>\nTo: desk@vendor.example\nSubject: Re: [{number}] Status: Waiting for customer\nMessage-ID: <CAB-1@mail.gmail.com>\nIn-Reply-To: <{last}@vendor.example>\nReferences: <{last}@vendor.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=UTF-8\n\nThe Exact Online connector, log attached.\n\nOn Tue, 1 Dec 2026 at 10:00, Service desk <desk@vendor.example> wrote:\n> Your ticket now has the status Waiting for customer.\n--b1\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"exact.log\"\n\nERROR 401 from Exact Online\n--b1--\n"
    );
    let out = receive(&data, &db, &gmail);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains(&number), "{}", said(&out));
    let (_, events) = s.get(&agent, &format!("/api/v1/tickets/{id}/events")).await;
    let replies: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "customer_reply")
        .collect();
    assert_eq!(replies.len(), 1, "{events}");
    assert_eq!(
        replies[0]["body"],
        "The Exact Online connector, log attached."
    );
    // A portal reply's effect: the desk no longer waits for the customer.
    let (_, now) = s.get(&agent, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["status"], "in_progress", "{now}");
    let (_, files) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/files"))
        .await;
    assert_eq!(files[0]["name"], "exact.log", "{files}");

    // Delivered twice: acted on once.
    let again = receive(&data, &db, &gmail);
    assert!(
        again.status.success() && said(&again).contains("received before"),
        "{}",
        said(&again)
    );
    // An Outlook reply that names the ticket only in its subject, in ISO-8859-1.
    let outlook = format!(
        "From: jan@acme.example\nSubject: =?ISO-8859-1?Q?RE:_[{number}]_caf=E9?=\nMessage-ID: <AM0PR-2@outlook.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nDe koppeling werkt weer, caf=E9 is blij.\n\nVan: Service desk <desk@vendor.example>\nVerzonden: dinsdag 1 december 2026 10:00\nAan: Jan\nOnderwerp: [{number}] Status\n\noude tekst\n"
    );
    let out = receive(&data, &db, &outlook);
    assert!(out.status.success(), "{}", said(&out));
    // Robots never become comments: an out-of-office reply, a bounce.
    let away = format!(
        "From: jan@acme.example\nSubject: Automatic reply: [{number}]\nAuto-Submitted: auto-replied\nMessage-ID: <ooo-3@acme.example>\n\nI am away until Monday.\n"
    );
    assert!(said(&receive(&data, &db, &away)).contains("left alone"));
    let bounce = format!(
        "From: MAILER-DAEMON@mx.acme.example\nSubject: Undelivered Mail: [{number}]\nMessage-ID: <dsn-4@mx.acme.example>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n--r\nContent-Type: text/plain\n\nNo such user.\n--r--\n"
    );
    assert!(said(&receive(&data, &db, &bounce)).contains("left alone"));
    // A stranger, and a customer of another organisation, writing to the ticket: quarantined.
    let stranger = format!(
        "From: mallory@evil.example\nSubject: Re: [{number}]\nMessage-ID: <m-5@evil.example>\n\nPlease close this ticket.\n"
    );
    assert!(said(&receive(&data, &db, &stranger)).contains("quarantine"));
    let neighbour = format!(
        "From: eve@other.example\nSubject: Re: [{number}]\nMessage-ID: <e-6@other.example>\n\nMe too.\n"
    );
    assert!(said(&receive(&data, &db, &neighbour)).contains("quarantine"));
    let (_, events) = s.get(&agent, &format!("/api/v1/tickets/{id}/events")).await;
    let bodies: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "customer_reply")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "The Exact Online connector, log attached.",
            "De koppeling werkt weer, café is blij."
        ]
    );

    // Staff review the quarantine: read a mail, release it to its ticket as an internal note
    // (never the customer's reply), dismiss the other; each decision once. Customers see none.
    let (status, _) = s.get(&customer, "/api/v1/mail/quarantine").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, held) = s.get(&agent, "/api/v1/mail/quarantine").await;
    let held = held.as_array().unwrap().clone();
    assert_eq!(held.len(), 2, "{held:?}");
    let by = |who: &str| {
        held.iter().find(|m| m["sender"] == who).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (mallory, eve) = (by("mallory@evil.example"), by("eve@other.example"));
    let raw = s
        .client
        .get(format!(
            "{}/api/v1/mail/quarantine/{mallory}/message",
            s.base
        ))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains("Please close this ticket."), "{raw}");
    let path = |id: i64, what: &str| format!("/api/v1/mail/quarantine/{id}/{what}");
    let (status, released) = s.post(&agent, &path(mallory, "release"), json!({})).await;
    assert_eq!(
        (status, released["outcome"].as_str()),
        (StatusCode::OK, Some("released"))
    );
    let (status, _) = s.post(&agent, &path(mallory, "release"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = s.post(&agent, &path(eve, "dismiss"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.post(&agent, &path(eve, "release"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, events) = s.get(&agent, &format!("/api/v1/tickets/{id}/events")).await;
    let note = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "internal_note")
        .expect("the released mail is a note");
    assert!(
        note["body"]
            .as_str()
            .unwrap()
            .starts_with("From: mallory@evil.example\nSubject: Re: ")
    );
    let (_, theirs) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert!(!theirs.to_string().contains("mallory"), "{theirs}");
    let (_, held) = s.get(&agent, "/api/v1/mail/quarantine").await;
    assert_eq!(held, json!([]));

    // A mail that continues no ticket is answered once a day with the portal's address.
    let lost = "From: new@acme.example\nSubject: Question about invoices\nMessage-ID: <q-7@acme.example>\n\nHow do I?\n";
    assert!(said(&receive(&data, &db, lost)).contains("portal"));
    let lost_again = "From: new@acme.example\nSubject: Question again\nMessage-ID: <q-8@acme.example>\n\nHello?\n";
    assert!(said(&receive(&data, &db, lost_again)).contains("left alone"));
    let answers: Vec<_> = common::outbox(&db)
        .await
        .into_iter()
        .filter(|(to, _, _)| to == "new@acme.example")
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert!(answers[0].2.contains("/tickets/new"), "{answers:?}");
    // Nothing is mailed back to the robots or the strangers.
    let outbox = common::outbox(&db).await;
    assert!(outbox.iter().all(|(to, _, _)| !to.contains("mallory")
        && !to.contains("MAILER-DAEMON")
        && !to.contains("eve@")));

    // T7: a reply by mail on a closed ticket is recorded, the ticket stays closed, and the
    // first line is told to assess it.
    let (status, _) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let late = format!(
        "From: jan@acme.example\nSubject: Re: [{number}] Closed\nMessage-ID: <late-9@acme.example>\n\nIt broke again.\n"
    );
    assert!(receive(&data, &db, &late).status.success());
    let (_, now) = s.get(&agent, &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(now["status"], "closed");
    let told: Vec<_> = common::outbox(&db)
        .await
        .into_iter()
        .filter(|(to, subject, body)| {
            to == "eva@vendor.example"
                && subject.contains(&number)
                && body.contains("It broke again.")
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");

    // Nonsense is refused with exit 2 and a line saying why.
    let nonsense = receive(&data, &db, "this is not a mail");
    assert_eq!(nonsense.status.code(), Some(2), "{}", said(&nonsense));
    assert!(!said(&nonsense).is_empty());
    s.stop().await;
}
