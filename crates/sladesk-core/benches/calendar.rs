//! Business-time arithmetic and timeline evaluation. Goals (docs/PERFORMANCE.md): at least
//! 5 million additions per second on one core; ten-year spans within 2x of one-hour spans.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{Timestamp, ToSpan};
use sladesk_core::policy::Policy;
use sladesk_core::sla::{Event, EventKind, Timeline, evaluate};
use sladesk_core::tickets::{Priority, Status};

const HOUR: i64 = 3600;

fn calendar(c: &mut Criterion) {
    let policy = Policy::default_policy();
    let office = policy.calendar("office-nl").unwrap().clone();
    // Many different starts, so the binary searches are not always served from the same spot.
    let starts: Vec<Timestamp> = (0..1024)
        .map(|i| "2026-01-05T07:00:00Z".parse::<Timestamp>().unwrap() + (i * 7919).minutes())
        .collect();
    let ten_years = 10 * 254 * 8 * HOUR;
    // Build the year tables outside the measurement.
    office
        .add_business_seconds(starts[0], 2 * ten_years)
        .unwrap();

    let mut group = c.benchmark_group("add_business_time");
    for (name, seconds) in [("1h", HOUR), ("32h", 32 * HOUR), ("10y", ten_years)] {
        group.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) & 1023;
                black_box(
                    office
                        .add_business_seconds(black_box(starts[i]), seconds)
                        .unwrap(),
                )
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("business_time_between");
    for (name, span) in [("1d", 24.hours()), ("10y", (10 * 365 * 24).hours())] {
        let ends: Vec<Timestamp> = starts.iter().map(|s| *s + span).collect();
        group.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) & 1023;
                black_box(
                    office
                        .business_seconds(black_box(starts[i]), ends[i])
                        .unwrap(),
                )
            })
        });
    }
    group.finish();

    let created: Timestamp = "2026-04-24T13:00:00Z".parse().unwrap();
    let kinds = [
        EventKind::Status(Status::InProgress),
        EventKind::Response,
        EventKind::Priority(Priority::High),
        EventKind::Status(Status::WaitingForCustomer),
        EventKind::Status(Status::InProgress),
        EventKind::Status(Status::WaitingForDevelopment),
        EventKind::Status(Status::InProgress),
        EventKind::Response,
        EventKind::Status(Status::WaitingForCustomer),
        EventKind::Status(Status::InProgress),
    ];
    let events = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| Event {
            at: created + ((i as i64 + 1) * 5).hours(),
            kind: *kind,
        })
        .collect();
    let timeline = Timeline {
        class: Priority::Normal,
        created_at: created,
        events,
        exclusions: Vec::new(),
    };
    let now = created + 72.hours();
    c.bench_function("timeline_10_events", |b| {
        b.iter(|| black_box(evaluate(&policy, black_box(&timeline), now, false).unwrap()))
    });
}

criterion_group!(benches, calendar);
criterion_main!(benches);
