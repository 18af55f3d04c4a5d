use std::sync::{Arc, LazyLock};

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;

use super::*;
use crate::policy::Policy;

static POLICY: LazyLock<Policy> = LazyLock::new(Policy::default_policy);

fn office() -> &'static Arc<Calendar> {
    POLICY.calendar("office-nl").unwrap()
}

fn always() -> &'static Arc<Calendar> {
    POLICY.calendar("24x7").unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const HOUR: i64 = 3600;

#[test]
fn friday_to_tuesday_over_kings_day() {
    let secs = office().business_seconds(
        at("2026-04-24T15:00:00+02:00"),
        at("2026-04-28T11:00:00+02:00"),
    );
    assert_eq!(secs.unwrap(), 4 * HOUR);
}

#[test]
fn target_running_out_at_closing_time_is_due_at_closing_time() {
    let due = office()
        .add_business_seconds(at("2026-04-24T15:00:00+02:00"), 90 * 60)
        .unwrap();
    assert_eq!(due, at("2026-04-24T16:30:00+02:00"));
    let one_more = office()
        .add_business_seconds(at("2026-04-24T15:00:00+02:00"), 90 * 60 + 1)
        .unwrap();
    assert_eq!(one_more, at("2026-04-28T08:30:01+02:00"));
}

#[test]
fn start_outside_office_hours_counts_from_next_opening() {
    // Saturday; Monday 27 April 2026 is King's Day.
    let due = office()
        .add_business_seconds(at("2026-04-25T10:00:00+02:00"), HOUR)
        .unwrap();
    assert_eq!(due, at("2026-04-28T09:30:00+02:00"));
    // Before opening on a working day.
    let due = office()
        .add_business_seconds(at("2026-04-28T06:00:00+02:00"), HOUR)
        .unwrap();
    assert_eq!(due, at("2026-04-28T09:30:00+02:00"));
}

#[test]
fn office_hours_follow_daylight_saving_time() {
    // Clocks go forward on Sunday 29 March 2026: Friday is CET, Monday CEST.
    let due = office()
        .add_business_seconds(at("2026-03-27T16:00:00+01:00"), HOUR)
        .unwrap();
    assert_eq!(due, at("2026-03-30T09:00:00+02:00"));
    assert_eq!(due, at("2026-03-30T07:00:00Z"));
    // And back on Sunday 25 October 2026.
    let due = office()
        .add_business_seconds(at("2026-10-23T16:00:00+02:00"), HOUR)
        .unwrap();
    assert_eq!(due, at("2026-10-26T09:00:00+01:00"));
}

#[test]
fn wall_clock_calendar_counts_real_time_across_dst() {
    // Two hours from 01:30 CEST on the night clocks go back end at 02:30 CET.
    let start = at("2026-10-25T01:30:00+02:00");
    let due = always().add_business_seconds(start, 2 * HOUR).unwrap();
    assert_eq!(due, at("2026-10-25T02:30:00+01:00"));
    assert_eq!(always().business_seconds(start, due).unwrap(), 2 * HOUR);
    // The whole fall-back day has 25 hours.
    let day = always().day(date(2026, 10, 25)).unwrap();
    assert_eq!(day.business_seconds, 25 * HOUR);
}

#[test]
fn year_end_and_new_years_day() {
    // Thursday 31 December 2026 16:00; Friday 1 January 2027 is a holiday.
    let due = office()
        .add_business_seconds(at("2026-12-31T16:00:00+01:00"), HOUR)
        .unwrap();
    assert_eq!(due, at("2027-01-04T09:00:00+01:00"));
    let secs = office()
        .business_seconds(at("2026-12-31T16:00:00+01:00"), due)
        .unwrap();
    assert_eq!(secs, HOUR);
}

#[test]
fn holidays_of_2026() {
    let mut holidays = Vec::new();
    let mut d = date(2026, 1, 1);
    while d.year() == 2026 {
        let day = office().day(d).unwrap();
        if !day.holidays.is_empty() {
            holidays.push((d, day.holidays[0].en.clone()));
        }
        d = d.tomorrow().unwrap();
    }
    let expected = [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 5), "Easter Sunday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 4, 27), "King's Day"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 5, 24), "Whit Sunday"),
        (date(2026, 5, 25), "Whit Monday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), "Boxing Day"),
    ];
    let expected: Vec<_> = expected.iter().map(|(d, n)| (*d, n.to_string())).collect();
    assert_eq!(holidays, expected);
    // Liberation Day in a lustrum year, King's Day moved off a Sunday.
    assert_eq!(
        office().day(date(2030, 5, 5)).unwrap().holidays[0].en,
        "Liberation Day"
    );
    assert_eq!(
        office().day(date(2025, 4, 26)).unwrap().holidays[0].en,
        "King's Day"
    );
    assert!(office().day(date(2025, 4, 27)).unwrap().holidays.is_empty());
}

#[test]
fn a_working_year_has_the_expected_hours() {
    // 2026: 261 weekdays, of which 7 holidays fall on a weekday (Jan 1, Good Friday, Easter
    // Monday, King's Day, Ascension, Whit Monday, Christmas; Boxing Day is a Saturday).
    let secs = office().business_seconds(
        at("2026-01-01T00:00:00+01:00"),
        at("2027-01-01T00:00:00+01:00"),
    );
    assert_eq!(secs.unwrap(), (261 - 7) * 8 * HOUR);
}

fn lunch_calendar() -> Calendar {
    let window = |s: &str| s.parse::<Window>().unwrap();
    let day = vec![window("08:30-12:00"), window("12:30-17:00")];
    let hours = [
        day.clone(),
        day.clone(),
        day.clone(),
        day.clone(),
        day,
        vec![],
        vec![],
    ];
    let rules = CalendarRules {
        time_zone: TimeZone::get("Europe/Amsterdam").unwrap(),
        hours,
        holidays: vec![],
        closed_days: vec![(date(2026, 6, 5), Text::new("Company day", "Bedrijfsdag"))],
        open_days: vec![],
    };
    Calendar::new("lunch", rules).unwrap()
}

#[test]
fn lunch_break_is_not_business_time() {
    let cal = lunch_calendar();
    let start = at("2026-06-01T08:30:00+02:00");
    assert_eq!(
        cal.add_business_seconds(start, 3 * HOUR + 1800).unwrap(),
        at("2026-06-01T12:00:00+02:00")
    );
    assert_eq!(
        cal.add_business_seconds(start, 3 * HOUR + 1801).unwrap(),
        at("2026-06-01T12:30:01+02:00")
    );
    assert!(!cal.is_open(at("2026-06-01T12:15:00+02:00")).unwrap());
    assert_eq!(
        cal.next_opening(at("2026-06-01T12:15:00+02:00")).unwrap(),
        at("2026-06-01T12:30:00+02:00")
    );
    assert_eq!(
        cal.day(date(2026, 6, 1)).unwrap().business_seconds,
        8 * HOUR
    );
    // The explicit closing day is closed, and named.
    let friday = cal.day(date(2026, 6, 5)).unwrap();
    assert_eq!(friday.business_seconds, 0);
    assert_eq!(friday.holidays[0].nl, "Bedrijfsdag");
}

#[test]
fn window_across_a_dst_gap_counts_real_time() {
    let every_day = vec!["01:00-04:00".parse::<Window>().unwrap()];
    let rules = CalendarRules {
        time_zone: TimeZone::get("Europe/Amsterdam").unwrap(),
        hours: std::array::from_fn(|_| every_day.clone()),
        holidays: vec![],
        closed_days: vec![],
        open_days: vec![],
    };
    let cal = Calendar::new("night", rules).unwrap();
    // 29 March 2026: 02:00-03:00 does not exist, so the window holds two real hours.
    assert_eq!(
        cal.day(date(2026, 3, 29)).unwrap().business_seconds,
        2 * HOUR
    );
    // 25 October 2026: 02:00-03:00 happens twice, so it holds four.
    assert_eq!(
        cal.day(date(2026, 10, 25)).unwrap().business_seconds,
        4 * HOUR
    );
    let secs = cal.business_seconds(
        at("2026-03-29T00:00:00+01:00"),
        at("2026-03-30T00:00:00+02:00"),
    );
    assert_eq!(secs.unwrap(), 2 * HOUR);
}

#[test]
fn open_and_next_opening() {
    let cal = office();
    assert!(cal.is_open(at("2026-04-28T08:30:00+02:00")).unwrap());
    assert!(!cal.is_open(at("2026-04-28T16:30:00+02:00")).unwrap());
    assert!(!cal.is_open(at("2026-04-27T10:00:00+02:00")).unwrap());
    assert_eq!(
        cal.next_opening(at("2026-04-24T16:30:00+02:00")).unwrap(),
        at("2026-04-28T08:30:00+02:00")
    );
    assert_eq!(
        cal.next_opening(at("2026-04-28T10:00:00+02:00")).unwrap(),
        at("2026-04-28T10:00:00+02:00")
    );
    assert_eq!(
        cal.next_opening(at("2026-12-31T17:00:00+01:00")).unwrap(),
        at("2027-01-04T08:30:00+01:00")
    );
}

#[test]
fn ten_years_of_business_time() {
    let start = at("2026-04-24T15:00:00+02:00");
    let ten_years = 10 * 250 * 8 * HOUR;
    let due = office().add_business_seconds(start, ten_years).unwrap();
    assert_eq!(office().business_seconds(start, due).unwrap(), ten_years);
    assert!(due > at("2036-01-01T00:00:00Z") && due < at("2037-01-01T00:00:00Z"));
}

#[test]
fn edges_are_refused_or_zero() {
    let t = at("2026-04-24T15:00:00+02:00");
    assert_eq!(office().add_business_seconds(t, 0).unwrap(), t);
    assert_eq!(office().business_seconds(t, t).unwrap(), 0);
    assert_eq!(
        office()
            .business_seconds(t, at("2026-04-24T14:00:00+02:00"))
            .unwrap(),
        0
    );
    assert_eq!(
        office().add_business_seconds(t, -1),
        Err(CalendarError::NegativeDuration(-1))
    );
    let far = at("2500-01-01T00:00:00Z");
    assert_eq!(
        office().business_seconds(t, far),
        Err(CalendarError::OutOfRange(far))
    );
    assert_eq!(
        office().add_business_seconds(t, i64::MAX / 2),
        Err(CalendarError::ResultOutOfRange)
    );
    assert_eq!(
        always().add_business_seconds(t, i64::MAX),
        Err(CalendarError::ResultOutOfRange)
    );
}

#[test]
fn refuses_a_calendar_that_never_opens() {
    let rules = CalendarRules {
        time_zone: TimeZone::UTC,
        hours: Default::default(),
        holidays: vec![],
        closed_days: vec![],
        open_days: vec![],
    };
    assert_eq!(
        Calendar::new("never", rules).unwrap_err(),
        CalendarError::NeverOpen
    );
}

/// An independent, slow reference: walk day by day and intersect each window, converting
/// wall time with jiff's own rules on every call. No tables, no running totals.
fn reference_business_seconds(cal: &Calendar, from: Timestamp, to: Timestamp) -> i64 {
    let tz = cal.time_zone().clone();
    let mut total = 0;
    let mut day = from
        .to_zoned_datetime(tz.clone())
        .date()
        .yesterday()
        .unwrap();
    let last = to.to_zoned_datetime(tz.clone()).date();
    while day <= last {
        let info = cal.day(day).unwrap();
        for w in &info.windows {
            let wall = |secs: u32| {
                day.to_datetime(jiff::civil::Time::midnight())
                    .checked_add(i64::from(secs).seconds())
                    .unwrap()
                    .to_zoned_datetime(tz.clone())
                    .unwrap()
                    .timestamp()
            };
            let (start, end) = (wall(w.start()), wall(w.end()));
            let (s, e) = (start.max(from), end.min(to));
            if s < e {
                total += e.as_second() - s.as_second();
            }
        }
        day = day.tomorrow().unwrap();
    }
    total
}

fn instant() -> impl Strategy<Value = Timestamp> {
    // 2000-01-01 to 2090-01-01.
    (946_684_800i64..3_786_825_600).prop_map(|s| Timestamp::from_second(s).unwrap())
}

proptest! {
    #[test]
    fn add_then_measure_returns_the_duration(start in instant(), secs in 0i64..20 * 250 * 8 * 3600) {
        for cal in [office(), always()] {
            let due = cal.add_business_seconds(start, secs).unwrap();
            prop_assert_eq!(cal.business_seconds(start, due).unwrap(), secs);
        }
    }

    #[test]
    fn added_time_ends_inside_office_hours_or_at_closing(start in instant(), secs in 1i64..400 * 3600) {
        let due = office().add_business_seconds(start, secs).unwrap();
        let just_before = due - 1.second();
        prop_assert!(office().is_open(just_before).unwrap(), "{} is not in office hours", just_before);
        // And it is the earliest such instant.
        prop_assert_eq!(office().business_seconds(start, just_before).unwrap(), secs - 1);
    }

    #[test]
    fn measuring_is_additive(a in instant(), b in instant(), c in instant()) {
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        for cal in [office(), always()] {
            let whole = cal.business_seconds(a, c).unwrap();
            let parts = cal.business_seconds(a, b).unwrap() + cal.business_seconds(b, c).unwrap();
            prop_assert_eq!(whole, parts);
        }
    }

    #[test]
    fn matches_the_day_by_day_reference(start in instant(), span in 0i64..40 * 86_400) {
        let end = start + span.seconds();
        prop_assert_eq!(
            office().business_seconds(start, end).unwrap(),
            reference_business_seconds(office(), start, end)
        );
        prop_assert_eq!(always().business_seconds(start, end).unwrap(), span);
    }

    #[test]
    fn next_opening_is_open_and_nothing_before_it(t in instant()) {
        let next = office().next_opening(t).unwrap();
        prop_assert!(next >= t);
        prop_assert!(office().is_open(next).unwrap());
        prop_assert_eq!(office().business_seconds(t, next).unwrap(), 0);
    }
}
