use super::*;

fn rules() -> AvailabilityRules {
    AvailabilityRules {
        time_zone: TimeZone::get("Europe/Amsterdam").unwrap(),
        minimum_outage_seconds: 300,
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn span(start: &str, end: &str) -> Span {
    Span {
        start: at(start),
        end: at(end),
    }
}

fn month(year: i16, month: i8, down: Vec<Span>) -> MonthInput {
    MonthInput {
        year,
        month,
        target_percent: 99.99,
        down,
        maintenance: vec![],
        exclusions: vec![],
    }
}

#[test]
fn months_are_dutch_calendar_months() {
    let cases = [
        ((2026, 3), 743 * 3600),
        ((2026, 10), 745 * 3600),
        ((2026, 6), 720 * 3600),
        ((2028, 2), 29 * 86400),
        ((2026, 12), 31 * 86400),
    ];
    for ((y, m), seconds) in cases {
        let report = compute_month(&rules(), &month(y, m, vec![])).unwrap();
        assert_eq!(report.month_seconds, seconds, "{y}-{m}");
        assert_eq!(report.availability_percent, 100.0);
        assert!(report.target_met);
    }
}

#[test]
fn budget_of_a_30_day_month_is_259_seconds() {
    let report = compute_month(&rules(), &month(2026, 6, vec![])).unwrap();
    assert_eq!(
        (report.budget_seconds, report.budget_left_seconds),
        (259, 259)
    );
    // 259 s of downtime still meets 99.99 %; 260 s does not.
    let down = |secs: i64| {
        vec![Span {
            start: at("2026-06-10T10:00:00Z"),
            end: at("2026-06-10T10:00:00Z") + secs.seconds(),
        }]
    };
    let r = compute_month(
        &AvailabilityRules {
            minimum_outage_seconds: 60,
            ..rules()
        },
        &month(2026, 6, down(259)),
    )
    .unwrap();
    assert_eq!(
        (r.downtime_seconds, r.target_met, r.budget_left_seconds),
        (259, true, 0)
    );
    let r = compute_month(
        &AvailabilityRules {
            minimum_outage_seconds: 60,
            ..rules()
        },
        &month(2026, 6, down(260)),
    )
    .unwrap();
    assert_eq!(
        (r.downtime_seconds, r.target_met, r.budget_left_seconds),
        (260, false, 0)
    );
    assert!(r.availability_percent < 99.99 && r.availability_percent > 99.989);
}

#[test]
fn only_unbroken_outages_of_five_minutes_count() {
    let short = span("2026-06-10T10:00:00Z", "2026-06-10T10:04:59Z");
    let exact = span("2026-06-11T10:00:00Z", "2026-06-11T10:05:00Z");
    let r = compute_month(&rules(), &month(2026, 6, vec![short, exact])).unwrap();
    assert_eq!(r.downtime_seconds, 300);
    assert_eq!(
        r.intervals
            .iter()
            .map(|i| (i.seconds, i.counted))
            .collect::<Vec<_>>(),
        [(299, false), (300, true)]
    );
    assert!(r.intervals[0].why.contains("4 min 59 s"));
}

#[test]
fn overlapping_and_touching_outages_merge() {
    // 3 + 3 minutes touching, and a 2-minute one overlapping: one outage of 7 minutes.
    let down = vec![
        span("2026-06-10T10:00:00Z", "2026-06-10T10:03:00Z"),
        span("2026-06-10T10:03:00Z", "2026-06-10T10:06:00Z"),
        span("2026-06-10T10:05:00Z", "2026-06-10T10:07:00Z"),
    ];
    let r = compute_month(&rules(), &month(2026, 6, down)).unwrap();
    assert_eq!(r.downtime_seconds, 420);
    assert_eq!(r.intervals.len(), 1);
}

#[test]
fn maintenance_and_exclusions_are_taken_out_and_leftovers_judged_alone() {
    // A 20-minute outage; maintenance covers minutes 3-17, leaving 3 + 3 minutes: neither
    // piece is an unbroken 5 minutes, so nothing counts.
    let mut input = month(
        2026,
        6,
        vec![span("2026-06-10T18:00:00Z", "2026-06-10T18:20:00Z")],
    );
    input.maintenance = vec![span("2026-06-10T18:03:00Z", "2026-06-10T18:17:00Z")];
    let r = compute_month(&rules(), &input).unwrap();
    assert_eq!(r.downtime_seconds, 0);
    assert_eq!(
        r.intervals
            .iter()
            .map(|i| (i.seconds, i.counted))
            .collect::<Vec<_>>(),
        [(180, false), (840, false), (180, false)]
    );
    assert_eq!(r.intervals[1].why, "announced maintenance window");

    // Overlapping exclusions of two kinds, maintenance wins where both apply.
    let mut input = month(
        2026,
        6,
        vec![span("2026-06-12T08:00:00Z", "2026-06-12T09:00:00Z")],
    );
    input.maintenance = vec![span("2026-06-12T08:00:00Z", "2026-06-12T08:10:00Z")];
    input.exclusions = vec![
        Exclusion {
            span: span("2026-06-12T08:05:00Z", "2026-06-12T08:30:00Z"),
            category: ExclusionCategory::ThirdParty,
            reason: "hosting provider network".into(),
        },
        Exclusion {
            span: span("2026-06-12T08:20:00Z", "2026-06-12T08:40:00Z"),
            category: ExclusionCategory::ForceMajeure,
            reason: "flood".into(),
        },
    ];
    let r = compute_month(&rules(), &input).unwrap();
    let got: Vec<(i64, bool)> = r.intervals.iter().map(|i| (i.seconds, i.counted)).collect();
    assert_eq!(
        got,
        [(600, false), (1200, false), (600, false), (1200, true)]
    );
    assert!(
        r.intervals[1].why.contains("third party")
            && r.intervals[1].why.contains("hosting provider")
    );
    assert!(r.intervals[2].why.contains("force majeure"));
    assert_eq!(r.downtime_seconds, 1200);
}

#[test]
fn an_outage_across_the_month_end_is_judged_whole_then_split() {
    // 3 minutes in May and 3 in June, Dutch time: 6 unbroken minutes, so both halves count.
    let outage = span("2026-05-31T23:57:00+02:00", "2026-06-01T00:03:00+02:00");
    let may = compute_month(&rules(), &month(2026, 5, vec![outage])).unwrap();
    let june = compute_month(&rules(), &month(2026, 6, vec![outage])).unwrap();
    assert_eq!((may.downtime_seconds, june.downtime_seconds), (180, 180));
    assert_eq!(june.intervals[0].start, at("2026-06-01T00:00:00+02:00"));
    // An outage entirely outside the month is not reported.
    let july = compute_month(&rules(), &month(2026, 7, vec![outage])).unwrap();
    assert!(july.intervals.is_empty());
}

#[test]
fn dst_month_availability() {
    // 10 minutes down in March 2026 (743 hours).
    let r = compute_month(
        &rules(),
        &month(
            2026,
            3,
            vec![span(
                "2026-03-29T01:55:00+01:00",
                "2026-03-29T03:05:00+02:00",
            )],
        ),
    )
    .unwrap();
    assert_eq!(r.downtime_seconds, 600);
    let expected = (743.0 * 3600.0 - 600.0) / (743.0 * 3600.0) * 100.0;
    assert!((r.availability_percent - expected).abs() < 1e-6);
    assert_eq!(r.budget_seconds, 267); // 2,674,800 s × 0.01 %
    assert!(!r.target_met);
}

#[test]
fn bad_input_is_refused() {
    let mut input = month(
        2026,
        6,
        vec![span("2026-06-10T10:05:00Z", "2026-06-10T10:00:00Z")],
    );
    assert!(matches!(
        compute_month(&rules(), &input),
        Err(AvailabilityError::EmptyInterval {
            what: "down",
            index: 0,
            ..
        })
    ));
    input.down.clear();
    input.target_percent = 0.0;
    assert!(compute_month(&rules(), &input).is_err());
    input.target_percent = 99.9;
    input.exclusions = vec![Exclusion {
        span: span("2026-06-10T10:00:00Z", "2026-06-10T10:05:00Z"),
        category: ExclusionCategory::ForceMajeure,
        reason: " ".into(),
    }];
    assert_eq!(
        compute_month(&rules(), &input),
        Err(AvailabilityError::MissingReason(0))
    );
    for bad in ["2026-13", "2026-3", "march", "2026-00"] {
        let json = MonthInputJson {
            month: bad.into(),
            target_percent: None,
            down: vec![],
            maintenance: vec![],
            exclusions: vec![],
        };
        assert!(json.parse(99.99).is_err(), "{bad}");
    }
}
