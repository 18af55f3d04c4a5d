use super::*;
use jiff::civil::date;

fn rules() -> FairUseRules {
    FairUseRules {
        factor: 3.0,
        window_days: 30,
        min_cohort: 3,
    }
}

/// `n` consecutive days from 1 March 2026, each with the tenant's value from `own(i)` in a
/// cohort of four others using 10 each (average 10, the line at 30).
fn days(n: i64, own: impl Fn(i64) -> Option<f64>) -> Vec<(Date, Day)> {
    let first = date(2026, 3, 1);
    (0..n)
        .map(|i| {
            let value = own(i);
            let sum = 40.0 + value.unwrap_or(0.0);
            let count = 4 + u32::from(value.is_some());
            (
                first.checked_add(jiff::Span::new().days(i)).unwrap(),
                judge_day(value, sum, count, &rules()),
            )
        })
        .collect()
}

#[test]
fn a_day_is_over_only_above_three_times_the_others_average() {
    assert!(judge_day(Some(30.1), 70.1, 5, &rules()).is_over());
    // Exactly three times is not more than three times.
    assert!(!judge_day(Some(30.0), 70.0, 5, &rules()).is_over());
    // The tenant is left out of its own average: 4 others at 10, not 5 values at 16.
    assert_eq!(
        judge_day(Some(40.0), 80.0, 5, &rules()),
        Day::Over {
            own: 40.0,
            cohort_average: 10.0,
            cohort_size: 4
        }
    );
}

#[test]
fn twenty_nine_days_over_then_one_under_is_not_excessive() {
    let found = detect(
        &days(30, |i| Some(if i < 29 { 35.0 } else { 20.0 })),
        &rules(),
    );
    assert_eq!(found.longest_run, 29);
    assert_eq!(found.current_run, 0);
    assert!(!found.excessive());
}

#[test]
fn thirty_days_over_are_excessive_from_the_thirtieth() {
    let found = detect(&days(31, |_| Some(35.0)), &rules());
    assert_eq!(found.excessive_on, Some(date(2026, 3, 30)));
    assert_eq!(found.current_run, 31);
    assert_eq!(found.current_run_from, Some(date(2026, 3, 1)));
}

#[test]
fn a_one_day_peak_of_fifty_times_is_incidental() {
    let found = detect(
        &days(60, |i| Some(if i == 20 { 500.0 } else { 12.0 })),
        &rules(),
    );
    assert_eq!(found.longest_run, 1);
    assert!(!found.excessive());
}

#[test]
fn a_cohort_too_small_never_judges() {
    let alone = judge_day(Some(1_000.0), 1_000.0, 1, &rules());
    assert_eq!(alone, Day::CohortTooSmall { cohort_size: 0 });
    let three = judge_day(Some(1_000.0), 1_020.0, 3, &rules());
    assert_eq!(three, Day::CohortTooSmall { cohort_size: 2 });
    let days: Vec<_> = (0..40)
        .map(|i| {
            (
                date(2026, 3, 1)
                    .checked_add(jiff::Span::new().days(i))
                    .unwrap(),
                alone,
            )
        })
        .collect();
    assert!(!detect(&days, &rules()).excessive());
}

#[test]
fn a_missing_day_breaks_the_run() {
    // No value on day 15, and the input skipping a day altogether, both break the run.
    let found = detect(&days(40, |i| (i != 15).then_some(35.0)), &rules());
    assert_eq!(found.longest_run, 24);
    assert!(!found.excessive());
    let mut skipped = days(40, |_| Some(35.0));
    skipped.remove(15);
    let found = detect(&skipped, &rules());
    assert_eq!(found.longest_run, 24);
    assert!(!found.excessive());
}

#[test]
fn a_moving_cohort_average_is_judged_day_by_day() {
    // The tenant stays at 100 while the others grow from 20 to 50 a day: over the line (60 to
    // 150) only while their average is below 33.3.
    let first = date(2026, 3, 1);
    let verdicts: Vec<_> = (0..31)
        .map(|i| {
            let others = 20.0 + i as f64;
            let day = first.checked_add(jiff::Span::new().days(i)).unwrap();
            (
                day,
                judge_day(Some(100.0), 100.0 + 4.0 * others, 5, &rules()),
            )
        })
        .collect();
    let over = verdicts.iter().filter(|(_, d)| d.is_over()).count();
    assert_eq!(over, 14, "others at 20..=33 put the line below 100");
    assert!(!detect(&verdicts, &rules()).excessive());
}

#[test]
fn a_cohort_is_the_tier_and_the_size_class_or_the_tier_alone() {
    assert_eq!(CohortBy::TierAndSizeClass.key("qaas", Some("m")), "qaas/m");
    assert_eq!(CohortBy::TierAndSizeClass.key("qaas", None), "qaas/-");
    assert_eq!(CohortBy::TierAndSizeClass.key("qaas", Some("")), "qaas/-");
    assert_eq!(CohortBy::Tier.key("support", Some("l")), "support");
}
