//! Planning a rollout week (R3). Goal (docs/PERFORMANCE.md): 10,000 tenants in under a second.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Time, Weekday, date};
use sladesk_core::policy::Policy;
use sladesk_core::releases::{AgreedMoment, Ring, Tenant, plan};

fn rollout(c: &mut Criterion) {
    let policy = Policy::default_policy();
    let calendar = policy.release_calendar.clone();
    // The default rules fit 500 tenants a week (10 at once, 10 evening slots, 5 days); a
    // vendor with 10,000 runs 500 at once (a ring a day, Broad over the last two).
    let rules = sladesk_core::releases::ReleaseRules {
        updates_at_once: 500,
        ..policy.releases.clone()
    };
    // Rings as a vendor might have them: a few early, most Broad; one in a hundred with an
    // agreed moment, one in a thousand in no ring.
    let tenants: Vec<Tenant> = (0..10_000)
        .map(|i| Tenant {
            id: i,
            ring: match i % 1000 {
                0 => None,
                1..=20 => Some(Ring::EarlyAccess),
                21..=60 => Some(Ring::Preview),
                61..=300 => Some(Ring::Targeted),
                _ => Some(Ring::Broad),
            },
            agreed: if i % 100 == 7 {
                vec![AgreedMoment {
                    weekday: Weekday::Wednesday,
                    at: Time::constant(21, 30, 0, 0),
                }]
            } else {
                Vec::new()
            },
        })
        .collect();
    let day = date(2026, 3, 2);
    if let Err(e) = plan(&calendar, &rules, day, &tenants) {
        panic!("{e}");
    }
    c.bench_function("plan_10000_tenants", |b| {
        b.iter(|| black_box(plan(&calendar, &rules, day, black_box(&tenants)).unwrap()))
    });
}

criterion_group!(benches, rollout);
criterion_main!(benches);
