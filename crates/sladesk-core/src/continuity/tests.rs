use super::*;

fn amsterdam() -> TimeZone {
    TimeZone::get("Europe/Amsterdam").unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn rules() -> ContinuityRules {
    ContinuityRules::new(
        24 * 3600,
        24 * 3600,
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 12,
        },
        [2, 4, 8, 16, 24].map(|h| h * 3600),
    )
}

#[test]
fn scenarios_read_both_spellings_and_nothing_else() {
    assert_eq!(Scenario::from_key("data-loss"), Some(Scenario::DataLoss));
    assert_eq!(
        Scenario::from_key("location_loss"),
        Some(Scenario::LocationLoss)
    );
    assert_eq!(Scenario::from_key("fire"), None);
    for s in Scenario::ALL {
        assert_eq!(Scenario::from_key(s.key()), Some(s));
    }
}

#[test]
fn the_rto_table_is_read_per_scenario_and_a_drill_meets_it_up_to_the_second() {
    let rules = rules();
    assert_eq!(rules.rto_seconds(Scenario::DataLoss), 7200);
    assert_eq!(rules.rto_seconds(Scenario::OperationLoss), 86_400);
    assert!(rules.drill_met(Scenario::DataLoss, 7200));
    assert!(!rules.drill_met(Scenario::DataLoss, 7201));
    assert!(rules.drill_met(Scenario::InstanceLoss, 7201));
}

#[test]
fn the_rpo_passes_a_second_after_a_day_and_at_once_without_a_backup() {
    let rules = rules();
    let taken = at("2026-03-01T02:00:00Z");
    assert!(!rules.rpo_passed(Some(taken), at("2026-03-02T02:00:00Z")));
    assert!(rules.rpo_passed(Some(taken), at("2026-03-02T02:00:01Z")));
    assert!(rules.rpo_passed(None, taken));
}

#[test]
fn one_interval_names_every_moment_inside_it() {
    let rules = rules();
    let a = rules.interval_of(at("2026-03-01T00:00:00Z"));
    assert_eq!(a, rules.interval_of(at("2026-03-01T23:59:59Z")));
    assert_eq!(a + 86_400, rules.interval_of(at("2026-03-02T00:00:00Z")));
}

/// A backup every night at 02:00 Amsterdam time for `days` days up to 2026-06-30.
fn nightly(days: i64) -> Vec<(i64, Timestamp)> {
    let last = jiff::civil::date(2026, 6, 30);
    (0..days)
        .map(|i| {
            let day = last.checked_sub(jiff::Span::new().days(i)).unwrap();
            let zoned = day.at(2, 0, 0, 0).to_zoned_datetime(amsterdam()).unwrap();
            (1000 - i, zoned.timestamp())
        })
        .collect()
}

#[test]
fn seven_daily_four_weekly_twelve_monthly_of_a_year_of_nightly_backups() {
    let backups = nightly(400);
    let kept = retained(&backups, rules().retention, &amsterdam());
    let day_of = |id: i64| {
        backups
            .iter()
            .find(|b| b.0 == id)
            .unwrap()
            .1
            .to_zoned_datetime(amsterdam())
            .date()
            .to_string()
    };
    let days: Vec<String> = kept.iter().rev().map(|id| day_of(*id)).collect();
    // The last 7 days; the newest of the 4 newest ISO weeks (Sundays, 30 June is a Tuesday:
    // its own week's newest is 30 June itself, already kept); the newest of the 12 newest
    // months (the month's last day; June's is 30 June).
    let expected = [
        "2026-06-30",
        "2026-06-29",
        "2026-06-28",
        "2026-06-27",
        "2026-06-26",
        "2026-06-25",
        "2026-06-24",
        "2026-06-21",
        "2026-06-14",
        "2026-05-31",
        "2026-04-30",
        "2026-03-31",
        "2026-02-28",
        "2026-01-31",
        "2025-12-31",
        "2025-11-30",
        "2025-10-31",
        "2025-09-30",
        "2025-08-31",
        "2025-07-31",
    ];
    assert_eq!(days, expected);
}

#[test]
fn a_day_is_the_policy_zones_day_and_two_backups_of_one_day_keep_the_newer() {
    // 23:30 UTC on 1 March is 00:30 on 2 March in Amsterdam: a day of its own there.
    let backups = vec![
        (1, at("2026-03-01T10:00:00Z")),
        (2, at("2026-03-01T20:00:00Z")),
        (3, at("2026-03-01T23:30:00Z")),
    ];
    let only_days = Retention {
        daily: 7,
        weekly: 0,
        monthly: 0,
    };
    let kept = retained(&backups, only_days, &amsterdam());
    assert_eq!(kept, BTreeSet::from([2, 3]));
    let utc = retained(&backups, only_days, &TimeZone::UTC);
    assert_eq!(utc, BTreeSet::from([3]));
}

#[test]
fn the_newest_is_kept_even_by_a_rule_that_keeps_nothing_and_nothing_kept_of_none() {
    let none = Retention {
        daily: 0,
        weekly: 0,
        monthly: 0,
    };
    let backups = nightly(3);
    assert_eq!(
        retained(&backups, none, &amsterdam()),
        BTreeSet::from([1000])
    );
    assert!(retained(&[], rules().retention, &amsterdam()).is_empty());
}
