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
