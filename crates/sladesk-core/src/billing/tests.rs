use super::*;

const HOUR: i64 = 3600;

fn rules() -> BillingRules {
    BillingRules {
        ad_hoc_support_cents_per_hour: 25_000,
        ad_hoc_qaas_cents_per_hour: 15_000,
        non_platform_cents_per_hour: 25_000,
        ad_hoc_blocks: Blocks {
            minimum_seconds: 4 * HOUR,
            block_seconds: 4 * HOUR,
        },
        non_platform_blocks: Blocks {
            minimum_seconds: 8 * HOUR,
            block_seconds: 8 * HOUR,
        },
    }
}

/// Hours with two decimals (3.99 h) as whole seconds.
fn hours(hundredths: i64) -> i64 {
    hundredths * HOUR / 100
}

#[test]
fn ad_hoc_work_is_billed_in_half_days_from_the_first_minute() {
    let blocks = rules().blocks(WorkKind::AdHoc);
    for (booked, billed) in [
        (0, 0),
        (1, 4),
        (300, 4),
        (399, 4),
        (400, 4),
        (401, 8),
        (450, 8),
        (800, 8),
        (801, 12),
    ] {
        assert_eq!(
            billed_seconds(hours(booked), blocks).unwrap(),
            billed * HOUR,
            "{booked} hundredths of an hour"
        );
    }
    // A second past a boundary starts the next block.
    assert_eq!(billed_seconds(4 * HOUR + 1, blocks).unwrap(), 8 * HOUR);
}

#[test]
fn non_platform_work_is_billed_in_whole_days() {
    let blocks = rules().blocks(WorkKind::NonPlatform);
    for (booked, billed) in [(0, 0), (399, 8), (400, 8), (401, 8), (800, 8), (801, 16)] {
        assert_eq!(
            billed_seconds(hours(booked), blocks).unwrap(),
            billed * HOUR,
            "{booked} hundredths of an hour"
        );
    }
}

#[test]
fn rates_differ_by_tier_for_ad_hoc_work_only() {
    let rules = rules();
    assert_eq!(rules.cents_per_hour(WorkKind::AdHoc, Tier::Support), 25_000);
    assert_eq!(rules.cents_per_hour(WorkKind::AdHoc, Tier::Qaas), 15_000);
    assert_eq!(
        rules.cents_per_hour(WorkKind::NonPlatform, Tier::Qaas),
        25_000
    );
    // 4.5 h booked with QaaS: 8 h billed at €150 is €1,200.00.
    let billed = billed_seconds(hours(450), rules.blocks(WorkKind::AdHoc)).unwrap();
    assert_eq!(amount_cents(billed, 15_000), 120_000);
    // A contract's own rate (G2), say €137.50 an hour, over a minimum of 4 h: €550.00.
    assert_eq!(amount_cents(4 * HOUR, 13_750), 55_000);
    // Odd rates round to the nearest cent: 1 second at €100.01 an hour is 2.78 cents → 3.
    assert_eq!(amount_cents(100, 10_001), 278);
}

#[test]
fn negative_and_absurd_bookings_are_refused() {
    let blocks = rules().blocks(WorkKind::AdHoc);
    assert_eq!(billed_seconds(-1, blocks), Err(BillingError::Negative));
    assert_eq!(
        billed_seconds(MAX_BOOKED_SECONDS + 1, blocks),
        Err(BillingError::Absurd)
    );
    // The largest booking still bills without overflow at a high rate.
    let billed = billed_seconds(MAX_BOOKED_SECONDS, blocks).unwrap();
    assert!(amount_cents(billed, 1_000_000) > 0);
}

fn qaas_ad_hoc() -> Terms {
    let rules = rules();
    Terms {
        cents_per_hour: rules.cents_per_hour(WorkKind::AdHoc, Tier::Qaas),
        blocks: rules.blocks(WorkKind::AdHoc),
    }
}

#[test]
fn a_month_that_crosses_a_block_boundary_bills_the_new_block() {
    // 3 h in November is the 4 h minimum; 1.5 h more in December makes 4.5 h, 8 h in all:
    // December bills the second block, not a second minimum.
    let terms = qaas_ad_hoc();
    let november = month_lines(terms, Billed::default(), 0, 3 * HOUR, true).unwrap();
    assert_eq!(november.correction, None);
    let november = november.work.unwrap();
    assert_eq!(november.billed_seconds, 4 * HOUR);
    assert_eq!(november.amount_cents, 60_000);
    let december = month_lines(terms, november, 3 * HOUR, hours(150), true).unwrap();
    assert_eq!(december.correction, None);
    let december = december.work.unwrap();
    assert_eq!(december.booked_seconds, hours(150));
    assert_eq!(december.billed_seconds, 4 * HOUR);
    assert_eq!(december.amount_cents, 60_000);
    // Another hour in January stays within the second block: booked, nothing more billed.
    let january = month_lines(terms, november.plus(december), hours(450), HOUR, true).unwrap();
    assert_eq!(
        january.work,
        Some(Billed {
            booked_seconds: HOUR,
            billed_seconds: 0,
            amount_cents: 0
        })
    );
}

#[test]
fn time_withdrawn_from_a_closed_month_is_a_correction_in_the_first_open_one() {
    let terms = qaas_ad_hoc();
    // November billed 4.5 h as 8 h (€1,200); then 1 h of it was withdrawn: 3.5 h is 4 h.
    let frozen = terms.total(hours(450)).unwrap();
    let lines = month_lines(terms, frozen, hours(350), 0, true).unwrap();
    assert_eq!(
        lines.correction,
        Some(Billed {
            booked_seconds: -HOUR,
            billed_seconds: -4 * HOUR,
            amount_cents: -60_000
        })
    );
    assert_eq!(lines.work, None);
    // A later open month does not tell the correction again.
    let later = month_lines(terms, frozen, hours(350), 0, false).unwrap();
    assert_eq!(later, MonthLines::default());
    // Nothing changed: no correction.
    let same = month_lines(terms, frozen, hours(450), 0, true).unwrap();
    assert_eq!(same, MonthLines::default());
}

#[test]
fn the_lines_of_every_month_add_up_to_the_engagements_total() {
    let terms = Terms {
        cents_per_hour: 12_345,
        blocks: rules().blocks(WorkKind::NonPlatform),
    };
    let months = [hours(130), 0, hours(733), hours(1), hours(990)];
    let mut billed = Billed::default();
    let mut before = 0;
    for booked in months {
        let lines = month_lines(terms, billed, before, booked, true).unwrap();
        for line in lines.correction.into_iter().chain(lines.work) {
            billed = billed.plus(line);
        }
        before += booked;
    }
    assert_eq!(billed, terms.total(before).unwrap());
}
