use std::sync::{Arc, LazyLock};

use jiff::Timestamp;
use jiff::civil::{Weekday, date, time};

use super::*;
use crate::policy::Policy;

static POLICY: LazyLock<Policy> = LazyLock::new(Policy::default_policy);

fn office() -> &'static Arc<Calendar> {
    POLICY.calendar("office-nl").unwrap()
}

fn rules() -> ReleaseRules {
    ReleaseRules {
        schedule_from: date(2026, 1, 1),
        weekday: Weekday::Monday,
        on_holiday: OnHoliday::NextWorkingDay,
        rollout_days: 5,
        update_window_seconds: 30 * 60,
        updates_at_once: 10,
        prefer_evening: true,
        evening: "18:00-23:00".parse().unwrap(),
        daytime: "09:00-17:00".parse().unwrap(),
        newsletter_working_days_before: 2,
        newsletter_at: Time::constant(9, 0, 0, 0),
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn tenants(ring: Ring, ids: std::ops::Range<i64>) -> Vec<Tenant> {
    ids.map(|id| Tenant {
        id,
        ring: Some(ring),
        agreed: Vec::new(),
    })
    .collect()
}

#[test]
fn first_mondays_2026_to_2030_move_off_public_holidays() {
    // Worked out by hand from the Dutch holidays: Easter Monday 6 April 2026, Whit Monday
    // 5 June 2028, New Year's Day 1 January 2029 and Easter Monday 2 April 2029 are first
    // Mondays. (Whit Monday 2026 is 25 May, not 1 June: Easter 2026 is on 5 April.)
    let moved = [
        ((2026, 4), date(2026, 4, 7)),
        ((2028, 6), date(2028, 6, 6)),
        ((2029, 1), date(2029, 1, 2)),
        ((2029, 4), date(2029, 4, 3)),
    ];
    let keep = ReleaseRules {
        on_holiday: OnHoliday::Keep,
        ..rules()
    };
    for year in 2026..=2030 {
        for month in 1..=12 {
            let first_monday = date(year, month, 1)
                .nth_weekday_of_month(1, Weekday::Monday)
                .unwrap();
            let day = release_day(office(), &rules(), year, month).unwrap();
            match moved.iter().find(|(m, _)| *m == (year, month)) {
                Some((_, expected)) => assert_eq!(day, *expected, "{year}-{month}"),
                None => assert_eq!(day, first_monday, "{year}-{month}"),
            }
            assert_eq!(
                release_day(office(), &keep, year, month).unwrap(),
                first_monday,
                "kept {year}-{month}"
            );
        }
    }
}

#[test]
fn no_release_day_before_the_schedule_starts() {
    assert_eq!(
        release_day(office(), &rules(), 2025, 12),
        Err(PlanError::BeforeSchedule(date(2026, 1, 1)))
    );
}

#[test]
fn rings_go_in_order_each_on_a_day_of_its_own_in_the_evening() {
    let mut all = tenants(Ring::Broad, 100..160);
    all.extend(tenants(Ring::EarlyAccess, 1..4));
    all.extend(tenants(Ring::Targeted, 50..70));
    all.extend(tenants(Ring::Preview, 10..15));
    let plan = plan(office(), &rules(), date(2026, 2, 2), &all).unwrap();

    // Every tenant exactly once.
    let mut ids: Vec<i64> = plan.windows().iter().map(|w| w.tenant_id).collect();
    ids.sort();
    let mut expected: Vec<i64> = all.iter().map(|t| t.id).collect();
    expected.sort();
    assert_eq!(ids, expected);

    // Ring by ring, each after the one before has finished, each on its own day.
    let day_of = |t: Timestamp| t.to_zoned_datetime(office().time_zone().clone()).date();
    let mut previous: Option<Timestamp> = None;
    for ring in Ring::ALL {
        let of_ring: Vec<_> = plan.batches.iter().filter(|b| b.ring == ring).collect();
        assert!(!of_ring.is_empty(), "{ring:?}");
        let first = of_ring.iter().map(|b| b.starts_at).min().unwrap();
        if let Some(end) = previous {
            assert!(
                day_of(first) > day_of(end),
                "{ring:?} shares a day with the ring before"
            );
        }
        previous = of_ring.iter().map(|b| b.ends_at).max();
    }
    // Early Access on the release day (Monday 2 February), from 18:00 Dutch time.
    assert_eq!(plan.batches[0].ring, Ring::EarlyAccess);
    assert_eq!(plan.batches[0].starts_at, at("2026-02-02T17:00:00Z"));
    // Broad, the last ring, takes the days left: Thursday and Friday.
    let broad_days: std::collections::BTreeSet<_> = plan
        .batches
        .iter()
        .filter(|b| b.ring == Ring::Broad)
        .map(|b| day_of(b.starts_at))
        .collect();
    assert_eq!(
        broad_days.into_iter().collect::<Vec<_>>(),
        vec![date(2026, 2, 5), date(2026, 2, 6)]
    );
    // Every window in the evening, 18:00-23:00.
    for b in &plan.batches {
        let local = b.starts_at.to_zoned_datetime(office().time_zone().clone());
        assert!(local.hour() >= 18, "{local}");
        let end = b.ends_at.to_zoned_datetime(office().time_zone().clone());
        assert!(
            end.hour() < 23 || (end.hour() == 23 && end.minute() == 0),
            "{end}"
        );
        assert!(b.tenant_ids.len() <= 10);
    }
    // Numbered in time order.
    assert!(
        plan.batches
            .windows(2)
            .all(|w| w[0].starts_at <= w[1].starts_at)
    );
    assert_eq!(
        plan.batches.last().unwrap().number as usize,
        plan.batches.len()
    );
}

#[test]
fn a_rings_tenants_are_spread_evenly_over_its_slots() {
    // 25 Broad tenants over 5 days of 10 evening slots: 25 slots of one tenant, none empty.
    let plan = plan(
        office(),
        &rules(),
        date(2026, 3, 2),
        &tenants(Ring::Broad, 0..25),
    )
    .unwrap();
    assert_eq!(plan.batches.len(), 25);
    assert!(plan.batches.iter().all(|b| b.tenant_ids.len() == 1));
    // Spread over the week, not crammed into Monday: five tenants a day.
    let day_of = |t: Timestamp| t.to_zoned_datetime(office().time_zone().clone()).date();
    for day in 2..=6 {
        let on_day = plan
            .batches
            .iter()
            .filter(|b| day_of(b.starts_at) == date(2026, 3, day))
            .count();
        assert_eq!(on_day, 5, "2 March + {day}");
    }
    // 473 tenants over 50 slots: 9 or 10 each.
    let big = super::plan(
        office(),
        &rules(),
        date(2026, 3, 2),
        &tenants(Ring::Broad, 0..473),
    );
    let big = big.unwrap_or_else(|e| panic!("{e}"));
    let sizes: Vec<usize> = big.batches.iter().map(|b| b.tenant_ids.len()).collect();
    assert_eq!(sizes.len(), 50);
    assert!(sizes.iter().all(|&n| n == 9 || n == 10), "{sizes:?}");
}

#[test]
fn daytime_when_the_policy_does_not_prefer_the_evening() {
    let daytime = ReleaseRules {
        prefer_evening: false,
        ..rules()
    };
    let plan = plan(
        office(),
        &daytime,
        date(2026, 3, 2),
        &tenants(Ring::Broad, 0..3),
    )
    .unwrap();
    assert_eq!(plan.batches[0].starts_at, at("2026-03-02T08:00:00Z"));
}

#[test]
fn agreed_moments_replace_the_batch() {
    let mut all = tenants(Ring::Broad, 0..3);
    all.push(Tenant {
        id: 99,
        ring: Some(Ring::Preview),
        agreed: vec![
            AgreedMoment {
                weekday: Weekday::Thursday,
                at: time(7, 0, 0, 0),
            },
            AgreedMoment {
                weekday: Weekday::Wednesday,
                at: time(21, 30, 0, 0),
            },
        ],
    });
    let plan = plan(office(), &rules(), date(2026, 3, 2), &all).unwrap();
    assert!(plan.batches.iter().all(|b| !b.tenant_ids.contains(&99)));
    assert_eq!(plan.agreed.len(), 1);
    let (ring, window) = plan.agreed[0];
    assert_eq!(ring, Ring::Preview);
    // The first agreed moment on or after Monday 2 March: Wednesday 4 March 21:30 CET.
    assert_eq!(window.starts_at, at("2026-03-04T20:30:00Z"));
    assert_eq!(window.ends_at, at("2026-03-04T21:00:00Z"));
}

#[test]
fn a_tenant_in_no_ring_is_listed_not_skipped() {
    let mut all = tenants(Ring::Broad, 0..2);
    all.push(Tenant {
        id: 7,
        ring: None,
        agreed: Vec::new(),
    });
    let plan = plan(office(), &rules(), date(2026, 3, 2), &all).unwrap();
    assert_eq!(plan.without_ring, vec![7]);
    assert!(plan.windows().iter().all(|w| w.tenant_id != 7));
}

#[test]
fn a_week_that_cannot_fit_says_so_and_what_would() {
    // 10 slots a day, 10 at once, 5 days: Broad alone holds 500 tenants; with Early Access,
    // Preview and Targeted each taking a day, Broad has 2 days, 200 tenants.
    let mut all = tenants(Ring::EarlyAccess, 0..1);
    all.extend(tenants(Ring::Preview, 1..2));
    all.extend(tenants(Ring::Targeted, 2..3));
    all.extend(tenants(Ring::Broad, 1000..1450));
    let refused = plan(office(), &rules(), date(2026, 3, 2), &all).unwrap_err();
    // Broad needs 45 slots = 5 days; with 3 rings before it that is 8 of 5.
    // With 23 at once Broad needs 20 slots = 2 days: 3 + 2 = 5.
    assert_eq!(
        refused,
        PlanError::DoesNotFit {
            days: 5,
            needed_days: 8,
            updates_at_once: 10,
            fits_with: Some(23),
        }
    );
    let fits = ReleaseRules {
        updates_at_once: 23,
        ..rules()
    };
    assert!(plan(office(), &fits, date(2026, 3, 2), &all).is_ok());
}

#[test]
fn a_rollout_over_a_holiday_skips_it() {
    // Release on Tuesday 7 April 2026 (Easter Monday moved): the week is Tuesday to the next
    // Monday, 13 April.
    let plan = plan(
        office(),
        &rules(),
        date(2026, 4, 7),
        &tenants(Ring::Broad, 0..50),
    )
    .unwrap();
    let days: std::collections::BTreeSet<_> = plan
        .batches
        .iter()
        .map(|b| {
            b.starts_at
                .to_zoned_datetime(office().time_zone().clone())
                .date()
        })
        .collect();
    assert_eq!(
        days.into_iter().collect::<Vec<_>>(),
        vec![
            date(2026, 4, 7),
            date(2026, 4, 8),
            date(2026, 4, 9),
            date(2026, 4, 10),
            date(2026, 4, 13)
        ]
    );
}

#[test]
fn the_newsletter_goes_out_working_days_before_the_release_day() {
    let calendar = office();
    // March 2026: release Monday 2 March; two working days before is Thursday 26 February.
    assert_eq!(
        newsletter_moment(calendar, &rules(), 2026, 3).unwrap(),
        at("2026-02-26T08:00:00Z")
    );
    // April 2026: Easter Monday moves the release to Tuesday 7 April; counting back skips
    // Easter Monday, the weekend and Good Friday (a holiday of the office calendar):
    // Thursday 2 April is one, Wednesday 1 April two (09:00 summer time).
    assert_eq!(
        newsletter_moment(calendar, &rules(), 2026, 4).unwrap(),
        at("2026-04-01T07:00:00Z")
    );
    // Zero days: on the release day itself.
    let same_day = ReleaseRules {
        newsletter_working_days_before: 0,
        ..rules()
    };
    assert_eq!(
        newsletter_moment(calendar, &same_day, 2026, 3).unwrap(),
        at("2026-03-02T08:00:00Z")
    );
    assert!(matches!(
        newsletter_moment(calendar, &rules(), 2025, 12),
        Err(PlanError::BeforeSchedule(_))
    ));
}
