//! R4: the monthly release newsletter. It goes out a set number of working days before a
//! month's release day (policy `[releases]`), telling what is coming and what was released,
//! with the notes for the Targeted and Broad rings only: what Early Access and Preview try
//! first stays out. It reaches the confirmed subscribers of the list (double opt-in on the
//! status page) and the people who asked for it in their preferences, each once, in their
//! language. Sent once with any number of replicas: the month's mailing is claimed in the
//! transaction that queues the mails.

use std::collections::HashSet;

use jiff::Timestamp;
use sladesk_core::releases::{self as plan, PlanError};
use sladesk_core::text::Language;

use super::reports::{month_label, months_after};
use super::{Desk, DeskError};
use crate::domain::releases::{Release, ReleaseState};
use crate::notify::{self, Mail};
use crate::store::accounts::parse_word;
use crate::store::notifications::{self as subscriptions, MailingList};
use crate::store::{outbox, preferences, releases as store};

/// A newsletter still goes out this long after its moment (a server that was down that day
/// catches up), never later: a month-old newsletter is noise.
const CATCH_UP_SECONDS: i64 = 3 * 86_400;

/// "april 2026" / "April 2026".
fn month_name(year: i16, month: i8, language: Language) -> String {
    format!(
        "{} {year}",
        crate::catalogue::text(language, &format!("month_{month}"))
    )
}

/// A release as the newsletter tells it: only its notes for everyone (no ring) or for the
/// Targeted and Broad rings.
fn for_newsletter(release: &Release) -> Release {
    Release {
        notes: release
            .notes
            .iter()
            .filter(|n| !n.ring.is_some_and(|r| r.qaas_only()))
            .cloned()
            .collect(),
        ..release.clone()
    }
}

impl Desk {
    /// The month whose newsletter is due now, with the moment it was due, if any.
    fn newsletter_due(&self) -> Result<Option<(i16, i8, Timestamp)>, DeskError> {
        let policy = self.policies.base();
        let calendar = &policy.release_calendar;
        let now = self.clock.now();
        let today = now.to_zoned_datetime(calendar.time_zone().clone()).date();
        // The newsletter goes out before its release day, so next month's may be due already.
        let this = (today.year(), today.month());
        for (year, month) in [this, months_after(this, 1)] {
            let moment = match plan::newsletter_moment(calendar, &policy.releases, year, month) {
                Ok(moment) => moment,
                Err(PlanError::BeforeSchedule(_)) => continue,
                Err(e) => return Err(DeskError::Fault(e.to_string())),
            };
            let since = now.as_second() - moment.as_second();
            if (0..CATCH_UP_SECONDS).contains(&since) {
                return Ok(Some((year, month, moment)));
            }
        }
        Ok(None)
    }

    /// R4: queues the newsletter of the month whose moment has come, once. Returns how many
    /// mails were queued (none when nothing is due, it went out already, or there is
    /// nothing to tell).
    pub async fn send_due_newsletter(&self) -> Result<usize, DeskError> {
        let Some((year, month, moment)) = self.newsletter_due()? else {
            return Ok(0);
        };
        let key = format!("newsletter:{}", month_label((year, month)));
        // What was released since the newsletter before this one (five weeks back before the
        // schedule began).
        let (py, pm) = months_after((year, month), -1);
        let policy = self.policies.base();
        let since = plan::newsletter_moment(&policy.release_calendar, &policy.releases, py, pm)
            .map_or(moment.as_second() - 35 * 86_400, |t| t.as_second());
        let first_after = format!("{}-01", month_label(months_after((year, month), 1)));
        let (releases, subscribers, people) = {
            let mut conn = self.store.read().await?;
            if outbox::mailing_sent(&mut conn, &key).await? {
                return Ok(0);
            }
            (
                store::list_releases(&mut conn, 100).await?,
                subscriptions::confirmed_subscriptions(&mut conn, MailingList::Releases).await?,
                preferences::release_mail_recipients(&mut conn).await?,
            )
        };
        let mut coming: Vec<Release> = releases
            .iter()
            .filter(|r| r.state != ReleaseState::Done && r.planned_start < first_after)
            .map(for_newsletter)
            .collect();
        coming.sort_by(|a, b| a.planned_start.cmp(&b.planned_start));
        let released: Vec<Release> = releases
            .iter()
            .filter(|r| r.state == ReleaseState::Done && r.finished_at.is_some_and(|f| f > since))
            .map(for_newsletter)
            .collect();
        if coming.is_empty() && released.is_empty() {
            return Ok(0);
        }
        let coming: Vec<&Release> = coming.iter().collect();
        let released: Vec<&Release> = released.iter().collect();
        let write = |language: Language, footer: (&str, &str)| -> Mail {
            notify::release_newsletter(
                &month_name(year, month, language),
                &coming,
                &released,
                footer,
                language,
            )
        };
        // Each address once: a subscriber who also ticked the preference gets one mail.
        let mut seen = HashSet::new();
        let mut mails = Vec::new();
        for subscription in subscribers {
            if seen.insert(subscription.email.to_lowercase()) {
                let language = parse_word(&subscription.language).unwrap_or(Language::Nl);
                let link = self.unsubscribe_link(MailingList::Releases, &subscription.token);
                let mail = write(language, ("mail_newsletter_unsubscribe", &link));
                mails.push((subscription.email, mail));
            }
        }
        let account = format!("{}/account", self.public_url.trim_end_matches('/'));
        for person in people {
            if seen.insert(person.email.to_lowercase()) {
                let mail = write(person.language, ("mail_newsletter_preference", &account));
                mails.push((person.email, mail));
            }
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        if !outbox::claim_mailing(&mut tx, &key, now).await? {
            return Ok(0);
        }
        for (email, mail) in &mails {
            outbox::enqueue(&mut tx, email, &mail.subject, &mail.body, None, now).await?;
        }
        tx.commit().await?;
        Ok(mails.len())
    }
}
