//! Monthly SLA reports (S3) through the API, on SQLite and PostgreSQL: a month of tickets
//! built through the API with the server's clock set by the test, and figures worked out by
//! hand below. Office hours are 08:30-16:30 Dutch time; Normal tickets have 4 h to react and
//! 16 h to resolve, and the indicative table promises 90 % within 8 h, 95 % within 16 h and
//! 100 % within 20 h.

mod common;

use common::{Backend, Database, Server, dutch, outbox, test_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sladesk::domain::accounts::Role;
use sladesk_core::text::Language;

on_both_databases!(
    a_months_report_counts_as_a_support_manager_would,
    customers_see_only_their_own_organisations_report,
    the_monthly_mail_goes_out_once_on_the_first_working_day,
);

const H: i64 = 3600;
const MIN: i64 = 60;

struct Desk {
    s: Server,
    acme: i64,
}

impl Desk {
    fn at(&self, local: &str) {
        self.s.desk().clock.set(dutch(local)).unwrap();
    }

    async fn file(&self, local: &str, subject: &str, priority: &str) -> i64 {
        self.at(local);
        let body = json!({"organization_id": self.acme, "type": "incident", "environment": "production",
            "product": "Qixium", "subject": subject, "description": "Details.", "priority": priority});
        let (status, ticket) = self.s.post(&self.s.admin, "/api/v1/tickets", body).await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        ticket["id"].as_i64().unwrap()
    }

    async fn reply(&self, local: &str, id: i64) {
        self.at(local);
        let (status, body) = self
            .s
            .post(
                &self.s.admin,
                &format!("/api/v1/tickets/{id}/comments"),
                json!({"body": "We are on it.", "visibility": "public"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    async fn move_to(&self, local: &str, id: i64, status: &str) {
        self.at(local);
        let (code, body) = self
            .s
            .post(
                &self.s.admin,
                &format!("/api/v1/tickets/{id}/transitions"),
                json!({"status": status}),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }

    async fn report(&self, query: &str) -> Value {
        let (status, report) = self
            .s
            .get(&self.s.admin, &format!("/api/v1/reports/sla?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        report
    }
}

/// The row of `priority` in a report.
fn row<'a>(report: &'a Value, priority: &str) -> &'a Value {
    report["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["outages"].as_array().unwrap())
        .find(|r| r["priority"] == priority)
        .unwrap_or_else(|| panic!("no {priority} row in {report}"))
}

/// The report tallies that count (not the emptied ones), in key order.
async fn tallies(
    desk: &sladesk::desk::Desk,
) -> Vec<(i64, i64, i64, String, String, i64, i64, i64, i64)> {
    let mut conn = desk.store.read().await.unwrap();
    sqlx::query_as(
        "SELECT scope_id, measure, month, priority, policy_version, minutes, band, within, tickets \
         FROM report_tallies WHERE tickets <> 0 \
         ORDER BY scope_id, measure, month, priority, policy_version, minutes, band, within",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

/// October 2026 (summer time ends on the 25th) and the first days of November, ticket by
/// ticket, as worked out by hand:
/// - A, Normal: reacted in 1 h, closed after exactly 8 office hours (inside the 8 h line).
/// - B, Normal: reacted in 30 min, 2 h of work, a day waiting for the customer (paused), 2 h
///   more: resolved in 4 h.
/// - C, Normal: reacted in 15 min, closed after 2 h in October, reopened and closed again in
///   November after 1 h more: resolved once, in November, in 3 h; open at the end of October.
/// - D, filed Low, made High 10 minutes later: counts as High; reacted in 30 min, resolved in 6 h.
/// - F, Normal: reacted in 5 min, closed after 17 office hours: a breach by 1 h, inside 20 h.
/// - G, Normal: filed on the Friday before the clocks go back, closed on the Monday after:
///   2 h + 2 h = 4 h.
/// - E, Normal: filed at 00:30 on 1 November, which is still 31 October in UTC: November's,
///   never reacted to, overdue by the time of the report.
async fn october(backend: Backend) -> (Database, Desk, [i64; 7]) {
    let db = Database::fresh(backend).await;
    let clock = sladesk::clock::Clock::manual(dutch("2026-10-01T08:00"));
    let s = Server::start_with_clock(test_config(&db.url), clock).await;
    let acme = s.organization("Acme", None).await;
    let d = Desk { s, acme };

    let a = d
        .file("2026-10-05T08:30", "A: exactly eight hours", "normal")
        .await;
    d.reply("2026-10-05T09:30", a).await;
    d.move_to("2026-10-05T16:30", a, "closed").await;

    let b = d
        .file("2026-10-06T08:30", "B: paused a day", "normal")
        .await;
    d.reply("2026-10-06T09:00", b).await;
    d.move_to("2026-10-06T09:00", b, "in_progress").await;
    d.move_to("2026-10-06T10:30", b, "waiting_for_customer")
        .await;
    d.move_to("2026-10-07T10:30", b, "in_progress").await;
    d.move_to("2026-10-07T12:30", b, "closed").await;

    let c = d.file("2026-10-07T13:00", "C: reopened", "normal").await;
    d.reply("2026-10-07T13:15", c).await;
    d.move_to("2026-10-07T15:00", c, "closed").await;

    let dd = d.file("2026-10-08T08:30", "D: made high", "low").await;
    d.at("2026-10-08T08:40");
    let (status, body) =
        d.s.patch(
            &d.s.admin,
            &format!("/api/v1/tickets/{dd}"),
            json!({"priority": "high", "priority_reason": "whole department blocked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    d.reply("2026-10-08T09:00", dd).await;
    d.move_to("2026-10-08T14:30", dd, "closed").await;

    let f = d
        .file("2026-10-12T08:30", "F: seventeen hours", "normal")
        .await;
    d.reply("2026-10-12T08:35", f).await;
    d.move_to("2026-10-14T09:30", f, "closed").await;

    let g = d
        .file("2026-10-23T14:30", "G: across the change of time", "normal")
        .await;
    d.reply("2026-10-23T14:45", g).await;
    d.move_to("2026-10-26T10:30", g, "closed").await;

    let e = d
        .file("2026-11-01T00:30", "E: nobody answered", "normal")
        .await;
    (db, d, [a, b, c, dd, e, f, g])
}

async fn a_months_report_counts_as_a_support_manager_would(backend: Backend) {
    let (_db, d, [_a, _b, c, _dd, e, f, _g]) = october(backend).await;
    // C reopened on Monday 2 November and closed an hour later.
    d.move_to("2026-11-02T09:30", c, "in_progress").await;
    d.move_to("2026-11-02T10:30", c, "closed").await;
    d.at("2026-12-01T10:00");

    let oct = d
        .report(&format!("organization={}&month=2026-10", d.acme))
        .await;
    assert_eq!(oct["from"], "2026-10");
    // The month runs from midnight to midnight Dutch time: 2 h before UTC in summer, 1 h after.
    assert_eq!(oct["starts_at"], "2026-09-30T22:00:00Z");
    assert_eq!(oct["ends_at"], "2026-10-31T23:00:00Z");

    let normal = row(&oct, "normal");
    // Filed: A, B, C, F, G (E is November's); all reacted to within 4 h.
    assert_eq!(normal["opened"], 5, "{normal}");
    assert_eq!(
        (
            normal["reaction_judged"].as_u64(),
            normal["reaction_met"].as_u64()
        ),
        (Some(5), Some(5))
    );
    // Reactions 5 min, 15 min, 15 min, 30 min, 1 h: the median is the third.
    assert_eq!(normal["reaction_spread"]["median_seconds"], 15 * MIN);
    assert_eq!(normal["reaction_spread"]["max_seconds"], H);
    // Resolved in October: A 8 h, B 4 h, F 17 h, G 4 h; C's closing did not stand.
    assert_eq!(normal["resolved"], 4, "{normal}");
    assert_eq!(normal["resolved_within_target"], 3);
    assert_eq!(normal["resolved_within_target_percent"], 75.0);
    let spread = &normal["resolution_spread"];
    assert_eq!(spread["median_seconds"], 4 * H, "{spread}");
    assert_eq!(spread["p90_seconds"], 17 * H);
    assert_eq!(spread["max_seconds"], 17 * H);
    // The indicative table: 3 of 4 within 8 h (A's exactly 8 h counts), 3 within 16 h, all 4
    // within 20 h.
    let lines: Vec<(i64, u64, f64, bool)> = normal["indicative"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["within_seconds"].as_i64().unwrap(),
                l["within"].as_u64().unwrap(),
                l["achieved_percent"].as_f64().unwrap(),
                l["kept"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (8 * H, 3, 75.0, false),
            (16 * H, 3, 75.0, false),
            (20 * H, 4, 100.0, true)
        ]
    );
    // C was reopened after the month: it counts as open at the end.
    assert_eq!(normal["open_at_end"], 1);
    assert_eq!(normal["policy_version"], "basis-2026-03-01");

    // D counts as High, the priority in force at the end, against High's 8 h.
    let high = row(&oct, "high");
    assert_eq!(
        (high["opened"].as_u64(), high["resolved"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(high["resolution_spread"]["median_seconds"], 6 * H);
    assert_eq!(high["resolved_within_target_percent"], 100.0);
    // Low had no tickets: no figures, rather than 0 % or 100 %.
    let low = row(&oct, "low");
    assert_eq!(low["opened"], 0);
    assert_eq!(low["reaction_met_percent"], Value::Null);
    assert_eq!(low["resolved_within_target_percent"], Value::Null);
    assert!(
        low["indicative"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["kept"].is_null())
    );
    // The 24/7 track is apart, with its own targets (15 min, 2 h).
    let outage = row(&oct, "saas_outage");
    assert_eq!(outage["reaction_target_seconds"], 15 * MIN);
    assert_eq!(outage["resolution_target_seconds"], 2 * H);
    assert_eq!(outage["opened"], 0);

    // The one breach: F, resolved 1 h beyond its target.
    let breaches = oct["breaches"].as_array().unwrap();
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert_eq!(breaches[0]["ticket_id"], f);
    assert_eq!(breaches[0]["kind"], "resolution_late");
    assert_eq!(breaches[0]["over_seconds"], H);
    assert_eq!(oct["headline"]["opened"], 6);
    assert_eq!(oct["headline"]["resolved"], 5);

    // November: E was never answered (missed, and a breach); C is resolved, once, in 3 h.
    let nov = d
        .report(&format!("organization={}&month=2026-11", d.acme))
        .await;
    let normal = row(&nov, "normal");
    assert_eq!(normal["opened"], 1, "{normal}");
    assert_eq!(
        (
            normal["reaction_judged"].as_u64(),
            normal["reaction_met"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(normal["reaction_met_percent"], 0.0);
    assert_eq!(normal["resolved"], 1);
    assert_eq!(normal["resolution_spread"]["median_seconds"], 3 * H);
    let kinds: Vec<(i64, &str)> = nov["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["ticket_id"].as_i64().unwrap(),
                b["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [(e, "no_reaction")]);
    // The trend ends with the report's month; October is the month before.
    let trend = nov["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 13);
    assert_eq!(trend[12]["month"], "2026-11");
    assert_eq!(trend[11]["month"], "2026-10");
    assert_eq!(trend[11]["resolved"], 5);
    assert_eq!(trend[11]["opened"], 6);
    assert_eq!(trend[0]["resolved_within_target_percent"], Value::Null);

    // A range covers both months: every ticket once.
    let both = d
        .report(&format!("organization={}&from=2026-10&to=2026-11", d.acme))
        .await;
    assert_eq!(row(&both, "normal")["opened"], 6);
    assert_eq!(row(&both, "normal")["resolved"], 5);
    assert_eq!(row(&both, "normal")["open_at_end"], 1, "E is still open");

    // CSV: the figures one per line, the breaches with their numbers.
    let csv =
        d.s.client
            .get(format!(
                "{}/api/v1/reports/sla?organization={}&month=2026-10&format=csv",
                d.s.base, d.acme
            ))
            .bearer_auth(&d.s.admin)
            .send()
            .await
            .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains(&format!(
            "2026-10,2026-10,{},priority,normal,basis-2026-03-01,within_28800s_achieved_percent,75.00\n",
            d.acme
        )),
        "{csv}"
    );
    let list =
        d.s.client
            .get(format!(
                "{}/api/v1/reports/sla/breaches?organization={}&month=2026-10&format=csv",
                d.s.base, d.acme
            ))
            .bearer_auth(&d.s.admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        list.contains(&format!(
            "{f},SD-{f:06},{},normal,resolution_late,3600,",
            d.acme
        )),
        "{list}"
    );

    // The outcomes are derived data: wiped, then rebuilt from the events, the report is the same.
    let before = strip_moment(oct.clone());
    // The tallies the triggers kept through every change above (a reopening, a priority
    // change, a pause) are the ones a recount from the tickets gives.
    let kept = tallies(d.s.desk()).await;
    assert!(!kept.is_empty());
    {
        let mut tx = d.s.desk().store.write().await.unwrap();
        sqlx::query(
            "UPDATE tickets SET reaction_seconds = NULL, resolved_at = NULL, resolution_seconds = NULL, \
             resolution_band = NULL, reaction_due_at = NULL",
        )
        .execute(&mut **tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let wiped = d
        .report(&format!("organization={}&month=2026-10", d.acme))
        .await;
    assert_ne!(strip_moment(wiped), before, "the report reads the outcomes");
    let rebuilt = d.s.desk().rebuild_outcomes(false).await.unwrap();
    // Every ticket's outcome was rewritten; the open one (E) may have been refreshed already by
    // the SLA job, which derives it with every check, like any change.
    assert!((6..=7).contains(&rebuilt), "rebuilt {rebuilt}");
    let again = d
        .report(&format!("organization={}&month=2026-10", d.acme))
        .await;
    assert_eq!(strip_moment(again), before);
    assert_eq!(tallies(d.s.desk()).await, kept, "recounted tallies");

    // Periods: backwards and too long are refused; a malformed month is a bad request.
    let refused = |query: &'static str| {
        let s = &d.s;
        async move {
            s.get(&s.admin, &format!("/api/v1/reports/sla?{query}"))
                .await
                .0
        }
    };
    assert_eq!(
        refused("from=2026-10&to=2026-09").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        refused("from=2024-01&to=2026-10").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(refused("month=2026-13").await, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused("month=2026-10&from=2026-09").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Months the calendars do not cover.
    assert_eq!(
        refused("month=1899-12").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        refused("from=2399-12&to=2400-01").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        refused("organization=99999&month=2026-10").await,
        StatusCode::NOT_FOUND
    );
    d.s.stop().await;
}

/// A report without the moment it was made (which the clock moves on).
fn strip_moment(mut report: Value) -> Value {
    report["made_at"] = Value::Null;
    report
}

async fn customers_see_only_their_own_organisations_report(backend: Backend) {
    let (_db, d, _) = october(backend).await;
    d.at("2026-12-01T10:00");
    let globex = d.s.organization("Globex", None).await;
    let anna =
        d.s.token_in(
            "anna@acme.example",
            Role::Customer,
            Some(d.acme),
            Language::En,
        )
        .await;
    let gus =
        d.s.token_in(
            "gus@globex.example",
            Role::Customer,
            Some(globex),
            Language::Nl,
        )
        .await;
    let (status, own) =
        d.s.get(
            &anna,
            &format!("/api/v1/reports/sla?organization={}&month=2026-10", d.acme),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["organization"]["name"], "Acme");
    assert_eq!(row(&own, "normal")["opened"], 5);
    // Another organisation's report does not exist for a customer.
    let (status, problem) =
        d.s.get(
            &gus,
            &format!("/api/v1/reports/sla?organization={}&month=2026-10", d.acme),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, _) =
        d.s.get(
            &gus,
            &format!(
                "/api/v1/reports/sla/breaches?organization={}&month=2026-10",
                d.acme
            ),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The whole desk is for staff.
    let (status, problem) = d.s.get(&gus, "/api/v1/reports/sla?month=2026-10").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    // Globex's own report: no tickets anywhere, every share "no tickets".
    let (status, empty) =
        d.s.get(
            &gus,
            &format!("/api/v1/reports/sla?organization={globex}&month=2026-10"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["headline"]["reaction_met_percent"], Value::Null);
    assert!(empty["breaches"].as_array().unwrap().is_empty());
    // The staff's whole-desk report holds Acme's tickets.
    let desk = d.report("month=2026-10").await;
    assert!(desk["organization"].is_null());
    assert_eq!(row(&desk, "normal")["opened"], 5);
    d.s.stop().await;
}

async fn the_monthly_mail_goes_out_once_on_the_first_working_day(backend: Backend) {
    let (db, d, _) = october(backend).await;
    let _anna =
        d.s.token_in(
            "anna@acme.example",
            Role::Customer,
            Some(d.acme),
            Language::En,
        )
        .await;
    let _bob =
        d.s.token_in(
            "bob@acme.example",
            Role::Customer,
            Some(d.acme),
            Language::Nl,
        )
        .await;
    // Anna asks for the monthly report; Bob does not.
    {
        let mut tx = d.s.desk().store.write().await.unwrap();
        let anna: i64 =
            sqlx::query_scalar("SELECT id FROM users WHERE email = 'anna@acme.example'")
                .fetch_one(&mut **tx)
                .await
                .unwrap();
        let wants = sladesk::store::preferences::Preferences {
            mail_reports: true,
            ..Default::default()
        };
        sladesk::store::preferences::save_preferences(&mut tx, anna, Language::En, &wants)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let reports = |mails: &[(String, String, String)]| -> Vec<(String, String, String)> {
        mails
            .iter()
            .filter(|(_, subject, _)| subject.contains("2026-10"))
            .cloned()
            .collect()
    };
    // 1 November is a Sunday: the first working day is Monday the 2nd, from 08:30.
    d.at("2026-11-01T12:00");
    assert_eq!(d.s.desk().send_monthly_reports().await.unwrap(), 0);
    d.at("2026-11-02T08:29");
    assert_eq!(d.s.desk().send_monthly_reports().await.unwrap(), 0);
    d.at("2026-11-02T08:31");
    // Four at once, as four replicas would, besides the server's own job: one mailing.
    let desk = d.s.desk();
    let sent = tokio::join!(
        desk.send_monthly_reports(),
        desk.send_monthly_reports(),
        desk.send_monthly_reports(),
        desk.send_monthly_reports()
    );
    let queued: usize = [sent.0, sent.1, sent.2, sent.3]
        .into_iter()
        .map(|r| r.unwrap())
        .sum();
    let mails = common::eventually(10, "the report mails", || async {
        let found = reports(&outbox(&db).await);
        (found.len() >= 2).then_some(found)
    })
    .await;
    assert!(queued <= 2, "queued {queued} by hand");
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to = |who: &str| {
        mails
            .iter()
            .find(|(r, _, _)| r == who)
            .unwrap_or_else(|| panic!("{who}: {mails:?}"))
    };
    let (_, subject, body) = to("admin@vendor.example");
    assert_eq!(subject, "SLA-rapport 2026-10: Hele desk");
    assert!(body.contains("Gemeld: 6"), "{body}");
    assert!(body.contains("/reports?from=2026-10"), "{body}");
    let (_, subject, body) = to("anna@acme.example");
    assert_eq!(subject, "SLA report 2026-10: Acme");
    assert!(body.contains("Resolved within target: 83.3 %"), "{body}");
    assert!(body.contains(&format!("organization={}", d.acme)), "{body}");
    // Later that day, and the next day: nothing more.
    d.at("2026-11-02T15:00");
    assert_eq!(d.s.desk().send_monthly_reports().await.unwrap(), 0);
    d.at("2026-11-03T09:00");
    assert_eq!(d.s.desk().send_monthly_reports().await.unwrap(), 0);
    assert_eq!(reports(&outbox(&db).await).len(), 2);
    d.s.stop().await;
}
