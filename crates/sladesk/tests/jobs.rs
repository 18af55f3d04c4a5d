//! Background jobs and mail, against a real SMTP server process (aiosmtpd), on both databases.
//! SLA periods are shortened with contract policies on the 24x7 calendar, so the real clock
//! runs them out within seconds; nothing fakes time.

mod common;

use common::{
    Backend, Database, Server, SmtpServer, eventually, free_port, maildir, test_config, with_smtp,
};
use serde_json::json;
use sladesk::domain::accounts::Role;

on_both_databases!(
    mail_follows_the_customers_language,
    sla_alerts_are_sent_once_even_with_two_replicas,
    silent_customers_are_reminded_then_closed,
    mail_waits_out_an_smtp_outage,
);

fn config_with_smtp(db: &Database, port: u16) -> sladesk::config::Config {
    with_smtp(test_config(&db.url), port)
}

async fn mail_follows_the_customers_language(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "language");
    let smtp = SmtpServer::start_on(free_port(), &dir);
    let s = Server::start(config_with_smtp(&db, smtp.port)).await;
    let org = s.organization("Acme", None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    s.post(&s.admin, "/api/v1/users", json!({"email": "john@acme.example", "role": "customer", "organization_id": org, "language": "en"})).await;
    let jan = s.token("jan@acme.example", Role::Customer, Some(org)).await; // Dutch by default
    let john = s
        .token("john@acme.example", Role::Customer, Some(org))
        .await;

    let dutch = s.file_ticket(&jan, None, "Koppeling faalt").await;
    let english = s.file_ticket(&john, None, "Connector fails").await;
    for ticket in [&dutch, &english] {
        s.post(
            &agent,
            &format!("/api/v1/tickets/{}/comments", ticket["id"]),
            json!({"body": "We kijken ernaar / we are on it", "visibility": "public"}),
        )
        .await;
        s.post(
            &agent,
            &format!("/api/v1/tickets/{}/transitions", ticket["id"]),
            json!({"status": "in_progress"}),
        )
        .await;
    }
    // Two mails each, counted by recipient: on a month's first working day the admin's SLA
    // report arrives too, so a plain count of four could stop before John's second mail.
    let mails = smtp
        .wait_for(15, "three mails for Jan and three for John", |m| {
            ["jan@acme.example", "john@acme.example"]
                .iter()
                .all(|who| m.iter().filter(|(to, _, _)| to.contains(who)).count() >= 3)
        })
        .await;
    let to = |who: &str| {
        mails
            .iter()
            .filter(|(to, _, _)| to.contains(who))
            .map(|(_, subject, body)| (subject.clone(), body.clone()))
            .collect::<Vec<_>>()
    };
    let jan_mails = to("jan@acme.example");
    let john_mails = to("john@acme.example");
    // T1: each was sent the receipt of the ticket they filed, in their language, with its
    // number and the reaction deadline.
    assert!(
        jan_mails.iter().any(|(s, b)| s.contains("Ontvangen")
            && b.contains("We reageren uiterlijk")
            && b.contains("SD-")),
        "{jan_mails:?}"
    );
    assert!(
        john_mails
            .iter()
            .any(|(s, b)| s.contains("Received") && b.contains("We react by")),
        "{john_mails:?}"
    );
    assert!(
        jan_mails
            .iter()
            .any(|(s, b)| s.contains("Nieuwe reactie") && b.contains("We kijken ernaar")),
        "{jan_mails:?}"
    );
    assert!(
        jan_mails
            .iter()
            .any(|(s, _)| s.contains("Status: In behandeling")),
        "{jan_mails:?}"
    );
    assert!(
        john_mails.iter().any(|(s, _)| s.contains("New reply")),
        "{john_mails:?}"
    );
    assert!(
        john_mails
            .iter()
            .any(|(s, _)| s.contains("Status: In Progress")),
        "{john_mails:?}"
    );
    // An internal note mails nobody.
    s.post(
        &agent,
        &format!("/api/v1/tickets/{}/comments", dutch["id"]),
        json!({"body": "internal only", "visibility": "internal"}),
    )
    .await;
    assert!(
        common::outbox(&db)
            .await
            .iter()
            .all(|(_, _, body)| !body.contains("internal only"))
    );
    s.stop().await;
}

async fn sla_alerts_are_sent_once_even_with_two_replicas(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "alerts");
    let smtp = SmtpServer::start_on(free_port(), &dir);
    // Both replicas read one clock, which the test moves.
    let clock = sladesk::clock::Clock::manual(jiff::Timestamp::now());
    let one = Server::start_with_clock(config_with_smtp(&db, smtp.port), clock.clone()).await;
    let two = Server::start_with_clock(config_with_smtp(&db, smtp.port), clock.clone()).await;
    // Reaction 4 s on the 24x7 calendar: warning at 3 s (75 %), breach after 4 s.
    let fast = "[priorities.normal]\ncalendar = \"24x7\"\nreaction = \"4s\"\nresolution = \"1h\"\n";
    let org = one.organization("Fast Ltd", Some(fast)).await;
    one.token("eva@vendor.example", Role::FirstLine, None).await;
    one.token("piet@vendor.example", Role::FirstLine, None)
        .await;
    one.token("sam@vendor.example", Role::SecondLine, None)
        .await;
    let customer = one
        .token("jan@fast.example", Role::Customer, Some(org))
        .await;
    let ticket = one.file_ticket(&customer, None, "Urgent-ish").await;

    let first_line = ["eva@vendor.example", "piet@vendor.example"];
    let is_alert = |subject: &str, what: &str| {
        subject.contains(&format!("SD-{:06}", ticket["id"].as_i64().unwrap()))
            && subject.contains(what)
    };
    // Past the warning and the breach.
    one.advance(jiff::SignedDuration::from_secs(5));
    smtp.wait_for(
        20,
        "warning and breach to both first-line agents",
        |mails| {
            first_line.iter().all(|who| {
                let mine: Vec<_> = mails.iter().filter(|(to, _, _)| to.contains(who)).collect();
                mine.iter().any(|(_, s, _)| is_alert(s, "75%"))
                    && mine.iter().any(|(_, s, _)| is_alert(s, "overschreden"))
            })
        },
    )
    .await;
    // More rounds on both replicas, later still: each alert is already recorded, nothing is
    // queued again (the outbox holds every mail ever queued).
    let id = ticket["id"].as_i64().unwrap();
    for _ in 0..3 {
        one.advance(jiff::SignedDuration::from_secs(1));
        one.desk().check_ticket(id, clock.now()).await.unwrap();
        two.desk().check_ticket(id, clock.now()).await.unwrap();
    }
    let mails = common::outbox(&db).await;
    for who in first_line {
        let warnings = mails
            .iter()
            .filter(|(to, s, _)| to.contains(who) && is_alert(s, "75%"))
            .count();
        let breaches = mails
            .iter()
            .filter(|(to, s, _)| to.contains(who) && is_alert(s, "overschreden"))
            .count();
        assert_eq!((warnings, breaches), (1, 1), "{who}: {mails:#?}");
    }
    assert!(
        mails
            .iter()
            .all(|(to, _, _)| !to.contains("sam@vendor.example")),
        "second line is not alerted for a first-line ticket"
    );
    let (_, breached) = one.get(&one.admin, "/api/v1/tickets?breached=true").await;
    assert_eq!(breached["items"].as_array().unwrap().len(), 1);
    two.stop().await;
    one.stop().await;
}

async fn silent_customers_are_reminded_then_closed(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "autoclose");
    let smtp = SmtpServer::start_on(free_port(), &dir);
    let clock = sladesk::clock::Clock::manual(jiff::Timestamp::now());
    let s = Server::start_with_clock(config_with_smtp(&db, smtp.port), clock).await;
    // "Working days" of one second on the 24x7 calendar: reminder after 2, closing after 4.
    let fast = "[auto_close]\ncalendar = \"24x7\"\nworking_day = \"1s\"\nworking_days = 4\nreminder_working_days_before = 2\n";
    let org = s.organization("Quiet BV", Some(fast)).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let customer = s
        .token("jan@quiet.example", Role::Customer, Some(org))
        .await;
    let ticket = s
        .file_ticket(&customer, None, "Question about mapping")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let (_, waiting) = s
        .post(
            &agent,
            &format!("/api/v1/tickets/{id}/transitions"),
            json!({"status": "waiting_for_customer"}),
        )
        .await;
    assert!(waiting["sla"]["auto_close_at"].is_string());

    // Three silent "days": the reminder; two more: closed.
    s.advance(jiff::SignedDuration::from_secs(3));
    smtp.wait_for(15, "the reminder", |m| {
        m.iter()
            .any(|(_, s, _)| s.contains("We wachten op je reactie"))
    })
    .await;
    s.advance(jiff::SignedDuration::from_secs(2));
    let closed = eventually(20, "the ticket to be closed", || async {
        let (_, t) = s.get(&agent, &format!("/api/v1/tickets/{id}")).await;
        (t["status"] == "closed").then_some(t)
    })
    .await;
    assert_eq!(closed["sla"]["resolution"]["state"], "stopped");
    let (_, events) = s
        .get(&customer, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last["kind"].as_str(),
            last["data"]["reason"].as_str(),
            last["actor_id"].is_null()
        ),
        (Some("status"), Some("auto_close"), true)
    );
    let mails = smtp
        .wait_for(15, "reminder and closing mail", |m| {
            m.iter()
                .any(|(_, s, _)| s.contains("We wachten op je reactie"))
                && m.iter()
                    .any(|(_, s, _)| s.contains("Gesloten na 4 werkdagen"))
        })
        .await;
    assert_eq!(
        mails
            .iter()
            .filter(|(_, s, _)| s.contains("We wachten op je reactie"))
            .count(),
        1
    );
    s.stop().await;
}

async fn mail_waits_out_an_smtp_outage(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = maildir(&db, "outage");
    let port = free_port();
    let s = Server::start(config_with_smtp(&db, port)).await;
    let org = s.organization("Acme", None).await;
    let agent = s.token("eva@vendor.example", Role::FirstLine, None).await;
    let customer = s.token("jan@acme.example", Role::Customer, Some(org)).await;
    let ticket = s.file_ticket(&customer, None, "Mail while down").await;
    s.post(
        &agent,
        &format!("/api/v1/tickets/{}/comments", ticket["id"]),
        json!({"body": "Answer sent while the mail server is down", "visibility": "public"}),
    )
    .await;
    // Let delivery fail at least once.
    eventually(10, "a failed delivery", || async {
        let metrics = s
            .client
            .get(format!("{}/metrics", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        metrics
            .lines()
            .any(|l| l.starts_with("sladesk_mails_failed_total") && !l.ends_with(" 0"))
            .then_some(())
    })
    .await;
    let smtp = SmtpServer::start_on(port, &dir);
    smtp.wait_for(20, "the reply mail after the outage", |m| {
        m.iter()
            .any(|(_, _, b)| b.contains("Answer sent while the mail server is down"))
    })
    .await;
    s.stop().await;
}
